/**
 * Errors as values. The model answers every system call with a `Result`: success, or the errno the
 * real kernel returns, plus `why` — the object and field that blocked, in words a user can act on.
 * Exceptions are reserved for our own bugs (`ModelBug`, thrown where the kernel would WARN_ON).
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

export type Result<T = void> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errno: Errno; readonly why: string };

export function ok(): Result<void>;
export function ok<T>(value: T): Result<T>;
export function ok<T>(value?: T): Result<T | undefined> {
  return { ok: true, value };
}

export function err(errno: Errno, why: string): { readonly ok: false; readonly errno: Errno; readonly why: string } {
  return { ok: false, errno, why };
}

/** An errno, or what only the syscall layer can answer: the task died in a kernel BUG (`oops`), the call sleeps (`blocked`). */
export type SysErrno = Errno | 'oops' | 'blocked';

export type SysResult<T = void> =
  | { readonly ok: true; readonly value: T; readonly calls: readonly string[] }
  | { readonly ok: false; readonly errno: SysErrno; readonly why: string; readonly id?: string; readonly calls: readonly string[] };

/** An outcome inside the kernel, before the syscall layer attaches `calls`. */
export type Outcome<T = void> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errno: SysErrno; readonly why: string; readonly id?: string };

/** Thrown where the kernel would WARN_ON/BUG in a path the model believes unreachable: a bug of ours. */
export class ModelBug extends Error {
  override readonly name = 'ModelBug';
}
