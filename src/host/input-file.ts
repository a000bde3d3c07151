import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';
import { shown } from './shown.js';

/** Size limits of the files dmaown reads (bytes). A capture is bounded by Node's largest Buffer read. */
export const INPUT_LIMITS = {
  capture: 2 ** 31 - 1,
  trace: 64 * 2 ** 20,
  journal: 16 * 2 ** 20,
  plan: 16 * 2 ** 20,
  pciIds: 64 * 2 ** 20,
  small: 64 * 2 ** 10,
} as const;

export interface InputFileOptions {
  /** What the file is, for messages: 'capture', 'trace', 'journal', 'plan file'. */
  readonly what: string;
  readonly maxBytes: number;
  /** Refuse a symbolic link as the last component (O_NOFOLLOW): state-directory files. */
  readonly noFollow?: boolean;
  /** Only a file owned by this user (root) and writable by no one else: journals, which restore acts on. */
  readonly trusted?: boolean;
}

/**
 * Reads a file that comes from disk and is therefore untrusted: opened with O_NONBLOCK (a FIFO never
 * blocks the open), then fstat'ed on the descriptor — only a regular file is read (not a FIFO,
 * device, socket or directory: `/dev/zero` is refused, not read forever), and only up to `maxBytes`.
 * Errors: the fs errno (ENOENT, EACCES, ELOOP for a refused link, ...), EINVAL for a file that is not
 * regular, EFBIG for one over the limit; every message names the file and what it was read as.
 */
export function readInputFile(path: string, opts: InputFileOptions): Result<Buffer> {
  const o = openInputFile(path, opts);
  if (!o.ok) return o;
  const { fd, size, where } = o.value;
  try {
    // st.size is a hint only: procfs and sysfs files report 0 (or 4096) whatever they hold.
    let buf = Buffer.allocUnsafe(Math.min(Math.max(size + 1, 4096), opts.maxBytes + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > opts.maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, opts.maxBytes + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > opts.maxBytes) return err('EOVERFLOW', `${where} grew past the ${opts.maxBytes} bytes a ${opts.what} may have`);
    return ok(buf.subarray(0, n));
  } catch (e) {
    return err(fsErrno(e), `${where} cannot be read (${fsErrno(e)})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The checks of `readInputFile` without the read: an open descriptor of a regular file of at most
 * `maxBytes` (at open time), which the caller reads and closes. Errors as `readInputFile`'s.
 */
export function openInputFile(path: string, opts: InputFileOptions): Result<{ fd: number; size: number; where: string }> {
  const where = `${opts.what} ${shown(path)}`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = fsErrno(e);
    const why = code === 'ELOOP' && opts.noFollow ? 'is a symbolic link (refused)' : code === 'ENOENT' ? 'does not exist' : `cannot be opened (${code})`;
    return err(code, `${where} ${why}`);
  }
  const r = checkOpened(fd, where, opts);
  if (!r.ok) closeSync(fd);
  return r.ok ? ok({ fd, size: r.value, where }) : r;
}

function checkOpened(fd: number, where: string, opts: InputFileOptions): Result<number> {
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return err('EISDIR', `${where} is a directory`);
    if (!st.isFile()) return err('EINVAL', `${where} is not a regular file (${kindOf(st)})`);
    if (opts.trusted && process.geteuid !== undefined) {
      const me = process.geteuid();
      if (st.uid !== me) return err('EPERM', `${where} is owned by uid ${st.uid}, not by uid ${me} who runs dmaown: refused`);
      if ((st.mode & 0o022) !== 0) return err('EPERM', `${where} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): refused`);
    }
    if (st.size > opts.maxBytes) return err('EOVERFLOW', `${where} is ${st.size} bytes, more than the ${opts.maxBytes} a ${opts.what} may have`);
    return ok(st.size);
  } catch (e) {
    return err(fsErrno(e), `${where} cannot be read (${fsErrno(e)})`);
  }
}

/** readInputFile as UTF-8 text. */
export function readInputText(path: string, opts: InputFileOptions): Result<string> {
  const r = readInputFile(path, opts);
  return r.ok ? ok(r.value.toString('utf8')) : r;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}
