import type { Errno } from '../model/errno.js';

/** Every errno name of `Errno`, for validating captured `{ "error": ... }` entries. */
export const ERRNO_NAMES: ReadonlySet<string> = new Set<string>([
  'EPERM', 'ENOENT', 'EIO', 'EBADF', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'EBUSY', 'EEXIST',
  'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENOSPC', 'ENOTTY', 'ERANGE', 'ELOOP', 'ENAMETOOLONG',
  'EOPNOTSUPP', 'EBADFD', 'EADDRINUSE', 'EOVERFLOW', 'ENXIO', 'ESRCH', 'EROFS', 'EPROBE_DEFER',
]);

/**
 * Maps a node:fs exception to our errno name at the edge, keeping it distinct (EACCES, ENOENT, ELOOP,
 * ENOTDIR, EIO, ...). Codes we have no name for become EIO; callers put the original message in `why`.
 */
export function fsErrno(e: unknown): Errno {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  if (typeof code !== 'string') return 'EIO';
  return ERRNO_NAMES.has(code) ? (code as Errno) : 'EIO';
}
