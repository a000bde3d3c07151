import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writing the hostile files of the corpus into its temporary directory. */
export class CorpusDir {
  constructor(readonly dir: string) {}

  file(name: string, content: string | Buffer, mode = 0o644): string {
    const p = join(this.dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content, { mode });
    chmodSync(p, mode);
    return p;
  }

  json(name: string, value: unknown): string {
    return this.file(name, JSON.stringify(value));
  }

  fifo(name: string): string {
    const p = join(this.dir, name);
    mkdirSync(dirname(p), { recursive: true });
    if (spawnSync('mkfifo', [p]).status !== 0) throw new Error(`mkfifo ${p}`);
    return p;
  }

  link(name: string, target: string): string {
    const p = join(this.dir, name);
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
    return p;
  }

  mkdir(name: string): string {
    const p = join(this.dir, name);
    mkdirSync(p, { recursive: true });
    return p;
  }
}

export const sampleText = (name: string): string => readFileSync(join(process.cwd(), 'samples', `${name}.json`), 'utf8');
export const sample = (name: string): Record<string, unknown> & { entries: Record<string, unknown> } => JSON.parse(sampleText(name)) as Record<string, unknown> & { entries: Record<string, unknown> };
export const nest = (n: number, inner = '0'): string => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
