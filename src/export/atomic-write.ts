import { basename, dirname, join } from 'node:path';
import { err, ok, type Errno, type Result } from '../model/errno.js';
import type { WritePort } from './write-port.js';

/**
 * Replaces `target` with `data` so that a reader (node_exporter, nfd-worker, ansible's setup) sees
 * either the previous file or the new one, never a part: write a temporary file in the same
 * directory, fsync it, close it, rename it over the target, fsync the directory.
 *
 * - The temporary file is `.NAME.dmaown-PID-N.tmp`: a dot file (NFD's local source and most
 *   collectors skip dot files; node_exporter reads only `*.prom`), created O_EXCL|O_NOFOLLOW.
 * - `target` must be a regular file or absent: a symlink is refused (never followed), as are
 *   directories and devices; its directory must exist.
 * - On any failure the temporary file is removed and the target is untouched. Temporary files left by
 *   a writer that was killed (older than `staleMs`, default 10 minutes) are removed on the next write.
 */
export interface AtomicWriteOptions {
  readonly mode?: number;
  readonly pid?: number;
  readonly now?: () => number;
  readonly staleMs?: number;
}

let counter = 0;

export function tempName(target: string, pid: number, n: number): string {
  return join(dirname(target), `.${basename(target)}.dmaown-${pid}-${n}.tmp`);
}

export function writeAtomic(port: WritePort, target: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Result<{ bytes: number }> {
  const dir = dirname(target), name = basename(target);
  if (name === '' || name === '.' || name === '..') return err('EINVAL', `${target}: not a file name`);
  const d = port.lstat(dir);
  if (!d.ok) return err(d.errno, `${dir}: the directory of ${target} (${d.why})`);
  if (d.value.kind !== 'dir' && d.value.kind !== 'symlink') return err('ENOTDIR', `${dir} is not a directory`);
  const t = port.lstat(target);
  if (t.ok && t.value.kind === 'symlink') return err('ELOOP', `${target} is a symbolic link: refusing to follow it (point -o at the real file)`);
  if (t.ok && t.value.kind !== 'file') return err(t.value.kind === 'dir' ? 'EISDIR' : 'EINVAL', `${target} is ${t.value.kind === 'dir' ? 'a directory' : 'not a regular file'}`);
  if (!t.ok && t.errno !== 'ENOENT') return err(t.errno, `${target}: ${t.why}`);

  removeStale(port, dir, name, o.now?.() ?? Date.now(), o.staleMs ?? 10 * 60_000);
  const tmp = tempName(target, o.pid ?? process.pid, counter++);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fd = port.createExclusive(tmp, o.mode ?? 0o644);
  if (!fd.ok) return err(fd.errno, `cannot create a temporary file beside ${target}: ${fd.why}`);
  const fail = (r: { errno: Errno; why: string }, closed: boolean): Result<{ bytes: number }> => {
    if (!closed) port.close(fd.value);
    port.unlink(tmp);
    return err(r.errno, `${target} left as it was: ${r.why}`);
  };
  const w = port.write(fd.value, bytes);
  if (!w.ok) return fail(w, false);
  const s = port.fsync(fd.value);
  if (!s.ok) return fail(s, false);
  const c = port.close(fd.value);
  if (!c.ok) return fail(c, true);
  const r = port.rename(tmp, target);
  if (!r.ok) return fail(r, true);
  port.fsyncDir(dir); // best effort: the data is in place; only durability of the rename depends on it
  return ok({ bytes: bytes.length });
}

/** Removes `.NAME.dmaown-*.tmp` files older than `staleMs`: left by a writer killed before its rename. */
function removeStale(port: WritePort, dir: string, name: string, now: number, staleMs: number): void {
  const l = port.list(dir);
  if (!l.ok) return;
  const prefix = `.${name}.dmaown-`;
  for (const f of l.value) {
    if (!f.startsWith(prefix) || !f.endsWith('.tmp')) continue;
    const p = join(dir, f);
    const s = port.lstat(p);
    if (s.ok && s.value.kind === 'file' && now - s.value.mtimeMs > staleMs) port.unlink(p);
  }
}
