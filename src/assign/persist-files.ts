import type { Errno } from '../model/errno.js';
import type { FilePort } from '../host/file-port.js';
import type { JournalEntry, JournalSink } from './journal.js';
import { b64, fromB64, type FileChange } from './persist.js';

/**
 * Writing and undoing persistence files, journaled like every sysfs step: a `persist` line with the
 * file's exact previous bytes (base64; null: it did not exist) and the new content is appended BEFORE
 * the file is touched, so `restore` can put it back byte for byte after a crash at any point.
 */
export type PersistEntry = Extract<JournalEntry, { phase: 'persist' }>;

export interface FileStep {
  readonly path: string;
  readonly ok: boolean;
  /** wrote, removed, restored (previous content back), already (nothing to do), left (not ours to touch). */
  readonly what: 'wrote' | 'removed' | 'restored' | 'already' | 'left';
  readonly why?: string;
  readonly errno?: Errno;
}

const enc = new TextEncoder();

/** The journal line for a change; `root`: the directory the file port maps '/' to (restore opens the same). */
export function persistEntry(c: FileChange, root?: string): PersistEntry {
  return { phase: 'persist', file: c.path, previous: c.before, encoding: 'base64', content: c.after, ...(root !== undefined ? { root } : {}) };
}

/** Perform the changes in order, each journaled first; stops at the first failure. */
export function writeFileChanges(files: FilePort, changes: readonly FileChange[], sink: JournalSink): { steps: FileStep[]; failed: FileStep | null } {
  const steps: FileStep[] = [];
  for (const c of changes) {
    const j = sink.append(persistEntry(c, files.root));
    if (!j.ok) {
      // Not journaled, so not touched: restore could not put it back.
      const step: FileStep = { path: c.path, ok: false, what: 'left', why: `not written: the journal could not record its previous content (${j.why})`, errno: j.errno };
      steps.push(step);
      return { steps, failed: step };
    }
    const r = c.after === null ? files.remove(c.path) : files.write(c.path, enc.encode(c.after));
    const step: FileStep = r.ok ? { path: c.path, ok: true, what: c.after === null ? 'removed' : 'wrote' }
      : { path: c.path, ok: false, what: 'left', why: r.why, errno: r.errno };
    steps.push(step);
    if (!r.ok) return { steps, failed: step };
  }
  return { steps, failed: null };
}

const previousBytes = (e: PersistEntry): Uint8Array | null =>
  e.previous === null ? null : e.encoding === 'base64' ? fromB64(e.previous) : enc.encode(e.previous);

/**
 * Undo one journaled file change. The file is touched only when it holds what dmaown wrote (or is
 * absent): then the previous bytes are written back, or the file is removed if it did not exist. A
 * file that cannot be read is never removed or overwritten; one changed since is left as it is.
 */
export function undoFileChange(files: FilePort, e: PersistEntry): FileStep {
  const prev = previousBytes(e);
  const cur = files.read(e.file);
  if (!cur.ok && cur.errno !== 'ENOENT') return { path: e.file, ok: false, what: 'left', why: `cannot be read (${cur.errno}: ${cur.why}): left untouched` };
  const now = cur.ok ? cur.value : null;
  const same = (a: Uint8Array | null, b: Uint8Array | null): boolean => (a === null || b === null ? a === b : b64(a) === b64(b));
  if (same(now, prev)) return { path: e.file, ok: true, what: 'already' };
  const ours = e.content === null ? now === null : now !== null && same(now, enc.encode(e.content));
  if (!ours && now !== null) return { path: e.file, ok: false, what: 'left', why: 'changed since dmaown wrote it: left as it is' };
  const r = prev === null ? files.remove(e.file) : files.write(e.file, prev);
  if (!r.ok) return { path: e.file, ok: false, what: 'left', why: `${r.errno}: ${r.why}` };
  return { path: e.file, ok: true, what: prev === null ? 'removed' : 'restored' };
}

/** Undo file entries last first. */
export function undoFileChanges(files: FilePort, entries: readonly PersistEntry[]): FileStep[] {
  return [...entries].reverse().map((e) => undoFileChange(files, e));
}
