/**
 * Open files: the fd table and the shape of the per-file-type dispatch (`FileOps`, as iommufd's
 * `iommufd_ioctl_ops`) — `/dev/vfio/vfio` (container), `/dev/vfio/N` (group), vfio device fds, `/dev/iommu`
 * and `/dev/vfio/devices/vfioN`. The table itself is plain constants assembled in file-ops.ts and handed to
 * each kernel when it is created; nothing registers at import time. Descriptors are allocated lowest-free
 * from 3, as Linux does.
 */
import type { KernelState } from './kernel-state.js';
import type { Outcome } from './errno.js';

declare module './kernel-state.js' {
  interface KernelState {
    readonly files: Map<number, OpenFile>;
  }
}


export type FileKind = 'vfio-container' | 'vfio-group' | 'vfio-device' | 'iommufd' | 'vfio-cdev';

export interface OpenFile {
  readonly kind: FileKind;
  /** Container id, iommu group id, iommufd ctx id, or (devices) the BDF. */
  readonly id: number;
  readonly device?: string;
}

export type IoctlOut = Record<string, unknown>;

/**
 * An ioctl `out` must be plain JSON data (the replayer and `--json` print it): numbers that are finite and
 * safe integers or floats, strings, booleans, null, arrays and plain objects — never a bigint (u64 values
 * go through iommufd's `outU64`: a number, or a hex string above 2^53). Returns the first offending path.
 */
export function jsonUnsafePath(v: unknown, path = 'out'): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const p = jsonUnsafePath(v[i], `${path}[${i}]`); if (p) return p; }
    return null;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [key, x] of Object.entries(v)) { const p = jsonUnsafePath(x, `${path}.${key}`); if (p) return p; }
    return null;
  }
  return path;
}
export type IoctlHandler = (k: KernelState, fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>) => Outcome<IoctlOut>;

/**
 * A file type's operations (`struct file_operations` with its ioctl switch as a table): `R` is the literal union
 * of the ioctl requests it answers, so the compiler checks each table has exactly those.
 */
export interface FileOps<R extends string = string> {
  readonly ioctls: Readonly<Record<R, IoctlHandler>>;
  /** A request not in `ioctls` (the `default:` of the C switch). Absent: ENOTTY. */
  readonly unknownIoctl?: (k: KernelState, fd: number, file: OpenFile, request: string) => Outcome<IoctlOut>;
  /** The last close of the file (`release`); an outcome only when the release died (an 'oops' the close reports). */
  release(k: KernelState, fd: number, file: OpenFile): Outcome | void;
}

/** The dispatch table a kernel is built with (file-ops.ts `FILE_OPS`): one `FileOps` per file type. */
export type FileOpsTable = Readonly<Record<FileKind, FileOps>>;

export function allocFd(k: KernelState, file: OpenFile): number {
  let fd = 3;
  while (k.files.has(fd)) fd++;
  k.files.set(fd, file);
  return fd;
}

/** An fd argument: a number, or (for convenience) a numeric string. */
export function fdArg(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
}
