/**
 * Errors as values, for the whole project: one errno table (`ERRNO_NUMBER`, whose keys are `ERRNO_NAMES`), one
 * result type (`Result<T, E>`: success, or the errno the real kernel returns plus `why` — the object and field
 * that blocked, in words a user can act on — and, from the syscall layer, the kernel path `calls`), one family of
 * constructors (`ok`, `err`; kernel-state.ts `fail` is `err` that also records the failing kernel function).
 * `Outcome` and `SysResult` name its instantiation with the syscall layer's extra answers; the host ports answer
 * the same type. Exceptions are reserved for our own bugs (`ModelBug`, thrown where the kernel would WARN_ON).
 */

/** Errno names the model and the host layer can return (include/uapi/asm-generic/errno*.h). */
export type Errno =
  | 'EPERM' | 'ENOENT' | 'EIO' | 'EBADF' | 'EAGAIN' | 'ENOMEM' | 'EACCES' | 'EFAULT' | 'EBUSY'
  | 'EEXIST' | 'ENODEV' | 'ENOTDIR' | 'EISDIR' | 'EINVAL' | 'ENOSPC' | 'ENOTTY' | 'ERANGE'
  | 'ELOOP' | 'ENAMETOOLONG' | 'EOPNOTSUPP' | 'EBADFD' | 'EADDRINUSE' | 'EOVERFLOW' | 'ENXIO'
  | 'ESRCH' | 'EROFS' | 'EPROBE_DEFER';

/** Numeric values (x86-64), for messages and for traces that carry numbers. */
export const ERRNO_NUMBER: Readonly<Record<Errno, number>> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EIO: 5, ENXIO: 6, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13,
  EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENOSPC: 28,
  EROFS: 30, ERANGE: 34, ENAMETOOLONG: 36, ELOOP: 40, ENOTTY: 25, EBADFD: 77, EOVERFLOW: 75,
  EOPNOTSUPP: 95, EADDRINUSE: 98, EPROBE_DEFER: 517,
};

/** Every errno name, from the one table above: what the host layer checks captured and thrown names against. */
export const ERRNO_NAMES: ReadonlySet<Errno> = new Set(Object.keys(ERRNO_NUMBER) as Errno[]);

/** Whether `name` is one of the errno names the model and the host know. */
export function isErrno(name: unknown): name is Errno {
  return typeof name === 'string' && ERRNO_NAMES.has(name as Errno);
}

/** An errno, or what only the syscall layer can answer: the task died in a kernel BUG (`oops`), the call sleeps (`blocked`). */
export type SysErrno = Errno | 'oops' | 'blocked';

/** Success: the value, and (from the syscall layer) the kernel functions the call went through. */
export interface Success<T> {
  readonly ok: true;
  readonly value: T;
  readonly calls?: readonly string[];
}

/**
 * Failure: the errno the real kernel answers (or `E`'s extra words), `why` — the object and field that blocked —
 * `id` of a blocked call (for `wait(id)`), and (from the syscall layer) `calls`, the kernel path, failures as
 * `fn: -EBUSY (why)`.
 */
export interface Failure<E extends string = Errno> {
  readonly ok: false;
  readonly errno: E;
  readonly why: string;
  readonly id?: string;
  readonly calls?: readonly string[];
}

/** The one result type of the model, the host ports and the tools on them. */
export type Result<T = void, E extends string = Errno> = Success<T> | Failure<E>;

/** A result inside the kernel: an errno, or 'oops' / 'blocked'. */
export type Outcome<T = void> = Result<T, SysErrno>;

/** What a system call answers: an `Outcome` with its kernel path (`calls`) always attached. */
export type SysResult<T = void> = Outcome<T> & { readonly calls: readonly string[] };

export function ok(): Success<void>;
export function ok<T>(value: T): Success<T>;
export function ok<T>(value?: T): Success<T | undefined> {
  return { ok: true, value };
}

/** A failure with `errno` and `why` (`id`: a blocked call's id). */
export function err<E extends string = Errno>(errno: E, why: string, id?: string): Failure<E> {
  return id === undefined ? { ok: false, errno, why } : { ok: false, errno, why, id };
}

/** Thrown where the kernel would WARN_ON/BUG in a path the model believes unreachable: a bug of ours. */
export class ModelBug extends Error {
  override readonly name = 'ModelBug';
}
