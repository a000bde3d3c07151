import type { FileChange, PersistPlan } from '../../assign/persist.js';
import { textOf } from '../../assign/persist.js';
import type { Colors } from '../io.js';

const quoted = (text: string): string[] => text.replace(/\n$/, '').split('\n').map((l) => `      | ${l}`);

/** The exact files and contents (or kernel parameters) a persistence plan writes, for every dry run. */
export function renderPersist(p: PersistPlan, root: string, c: Colors): string {
  const placeholder = root.startsWith('(');
  const lines = [c.bold(`Boot persistence (--persist=${p.method}):`)];
  if (placeholder) lines.push(c.dim(`  files read from ${root}; they would go to this path on the host`));
  for (const r of p.refusals) lines.push(c.red(`  refused ${r.why}`), c.dim(`    → ${r.hint}`));
  for (const w of p.warnings) lines.push(c.yellow(`  warning: ${w}`));
  if (p.changes.length === 0 && p.kernelParams.length === 0) lines.push('  no file to write');
  lines.push(...renderChanges(p.changes, root));
  for (const k of p.kernelParams) lines.push(`  kernel parameter: ${c.bold(k)}`);
  if (p.initramfs) lines.push(`  initramfs: ${p.initramfs.argv.join(' ')}  (${p.initramfs.distribution}; run only with --update-initramfs)`);
  for (const n of p.notes) lines.push(c.dim(`  ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Each file change: create/replace with the new content (and what it holds now), or remove with what it holds. */
export function renderChanges(changes: readonly FileChange[], root: string): string[] {
  const at = (path: string): string => (root === '/' || root.startsWith('(') ? path : `${root.replace(/\/$/, '')}${path}`);
  const lines: string[] = [];
  for (const ch of changes) {
    const before = textOf(ch.before);
    if (ch.after === null) {
      lines.push(`  remove ${at(ch.path)}, which holds:`, ...quoted(before ?? ''));
      continue;
    }
    lines.push(`  ${before === null ? 'create' : 'replace'} ${at(ch.path)} with:`, ...quoted(ch.after));
    if (before !== null) lines.push('    (it holds now:)', ...quoted(before));
  }
  return lines;
}
