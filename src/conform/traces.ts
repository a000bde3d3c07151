/** Finding and loading trace files: a file, or every `*.json` below a directory (sorted). */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, type Result } from '../model/errno.js';
import { INPUT_LIMITS, readInputText } from '../host/input-file.js';
import { parseJsonInput } from '../host/json-depth.js';
import { shown } from '../host/shown.js';
import { validateTrace, type Trace } from './trace.js';

export interface TraceFiles {
  readonly files: string[];
  /** Entries skipped while walking directories: a loop, a dangling link, an unreadable directory. */
  readonly warnings: string[];
}

/**
 * Every trace file named by `paths`: files as given, directories searched recursively for *.json
 * (sorted). The walk tolerates what a hostile tree holds: a directory reached twice (a symlink loop)
 * is walked once, a dangling link or an unreadable directory is skipped with a warning.
 */
export function traceFiles(paths: readonly string[]): TraceFiles {
  const files: string[] = [], warnings: string[] = [];
  const seen = new Set<string>();
  const walk = (p: string, top: boolean): void => {
    let st;
    try { st = statSync(p); } catch (e) {
      if (top) { files.push(p); return; } // loadTrace reports it, naming the file
      const dangling = (() => { try { return lstatSync(p).isSymbolicLink(); } catch { return false; } })();
      warnings.push(`${shown(p)}: skipped (${dangling ? 'a dangling or looping symbolic link' : (e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      return;
    }
    if (!st.isDirectory()) { files.push(p); return; }
    let real: string;
    try { real = realpathSync(p); } catch { real = p; }
    if (seen.has(real)) { warnings.push(`${shown(p)}: skipped (directory already walked: a symbolic link loop)`); return; }
    seen.add(real);
    let names: string[];
    try { names = readdirSync(p).sort(); } catch (e) {
      warnings.push(`${shown(p)}: directory skipped (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      return;
    }
    for (const name of names) {
      const child = join(p, name);
      let isDir = false;
      try { isDir = statSync(child).isDirectory(); } catch { /* reported by walk when it is a .json */ }
      if (name.endsWith('.json') || isDir) walk(child, false);
    }
  };
  for (const p of paths) walk(p, true);
  return { files, warnings };
}

/** Reads and validates one trace file (a regular file of at most 64 MiB); errors name the file (and the field). */
export function loadTrace(file: string): Result<Trace> {
  const text = readInputText(file, { what: 'trace', maxBytes: INPUT_LIMITS.trace });
  if (!text.ok) return err(text.errno, text.why);
  const doc = parseJsonInput(text.value, file);
  return doc.ok ? validateTrace(doc.value, file) : doc;
}
