import { closeSync, constants, fsyncSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from '../host/fs-errno.js';

/**
 * The file-system calls the atomic writer needs, as a port: the writer's logic (and its tests) runs on
 * Node's fs or on a test double that fails or stops at any step. Every call answers with an errno
 * value, never an exception.
 */
export interface WritePort {
  /** lstat(2): what is at `path`, without following a final symlink. */
  lstat(path: string): Result<{ readonly kind: 'file' | 'dir' | 'symlink' | 'other'; readonly mtimeMs: number }>;
  /** open(2) O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW with `mode`: a new file or EEXIST. */
  createExclusive(path: string, mode: number): Result<number>;
  write(fd: number, data: Uint8Array): Result<void>;
  fsync(fd: number): Result<void>;
  close(fd: number): Result<void>;
  /** rename(2): atomic replacement of `to` within one file system. */
  rename(from: string, to: string): Result<void>;
  unlink(path: string): Result<void>;
  list(dir: string): Result<string[]>;
  /** fsync(2) of a directory, so the rename itself is durable. */
  fsyncDir(dir: string): Result<void>;
}

const wrap = <T>(what: string, f: () => T): Result<T> => {
  try { return ok(f()); } catch (e) { return err(fsErrno(e), `${what}: ${(e as Error).message}`); }
};

/** The port on Node's fs. */
export function nodeWritePort(): WritePort {
  return {
    lstat: (p) => wrap(`lstat ${p}`, () => {
      const s = lstatSync(p);
      return { kind: s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other', mtimeMs: s.mtimeMs };
    }),
    createExclusive: (p, mode) => wrap(`create ${p}`, () => openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode)),
    write: (fd, data) => wrap('write', () => {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    }),
    fsync: (fd) => wrap('fsync', () => fsyncSync(fd)),
    close: (fd) => wrap('close', () => closeSync(fd)),
    rename: (a, b) => wrap(`rename ${a} → ${b}`, () => renameSync(a, b)),
    unlink: (p) => wrap(`unlink ${p}`, () => unlinkSync(p)),
    list: (d) => wrap(`list ${d}`, () => readdirSync(d)),
    fsyncDir: (d) => wrap(`fsync ${d}`, () => {
      const fd = openSync(d, constants.O_RDONLY | constants.O_DIRECTORY);
      try { fsyncSync(fd); } finally { closeSync(fd); }
    }),
  };
}
