import { isErrno, type Errno } from '../model/errno.js';

/**
 * Maps a node:fs exception to our errno name at the edge, keeping it distinct (EACCES, ENOENT, ELOOP,
 * ENOTDIR, EIO, ...): the names are the model's one table (model/errno.ts `ERRNO_NUMBER`). Codes we have no
 * name for become EIO; callers put the original message in `why`.
 */
export function fsErrno(e: unknown): Errno {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  return isErrno(code) ? code : 'EIO';
}
