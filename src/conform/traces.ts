/** Finding and loading trace files: a file, or every `*.json` below a directory (sorted). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, type Result } from '../model/errno.js';
import { parseTrace, type Trace } from './trace.js';

/** Every trace file named by `paths` (files as given, directories searched recursively for *.json). */
export function traceFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try { st = statSync(p); } catch { out.push(p); return; } // loadTrace reports it
    if (!st.isDirectory()) { out.push(p); return; }
    for (const name of readdirSync(p).sort()) {
      const child = join(p, name);
      if (name.endsWith('.json') || statSync(child).isDirectory()) walk(child);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** Reads and validates one trace file; errors name the file (and the field). */
export function loadTrace(file: string): Result<Trace> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(code === 'EACCES' ? 'EACCES' : code === 'EISDIR' ? 'EISDIR' : 'ENOENT', `${file}: cannot be read (${code ?? e})`);
  }
  return parseTrace(text, file);
}
