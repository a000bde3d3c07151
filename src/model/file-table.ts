/**
 * Open files: the fd table and one ioctl dispatch table per file type, as iommufd's
 * `iommufd_ioctl_ops` — `/dev/vfio/vfio` (container), `/dev/vfio/N` (group), vfio device fds, and the
 * extension points for `/dev/iommu` and `/dev/vfio/devices/vfioN` (issue #6: src/model/iommufd/ adds
 * its handlers with `registerFileOps`). Descriptors are allocated lowest-free from 3, as Linux does.
 */
import type { KernelState } from './kernel-state.js';
import type { Outcome } from './uapi.js';

export type FileKind = 'vfio-container' | 'vfio-group' | 'vfio-device' | 'iommufd' | 'vfio-cdev';

export interface OpenFile {
  readonly kind: FileKind;
  /** Container id, iommu group id, iommufd ctx id, or (devices) the BDF. */
  readonly id: number;
  readonly device?: string;
}

export type IoctlOut = Record<string, unknown>;
export type IoctlHandler = (k: KernelState, fd: number, file: OpenFile, arg: Readonly<Record<string, unknown>>) => Outcome<IoctlOut>;

export interface FileOps {
  readonly ioctls: Readonly<Record<string, IoctlHandler>>;
  /** The last close of the file (`release`). */
  release(k: KernelState, fd: number, file: OpenFile): void;
}

const FILE_OPS = new Map<FileKind, FileOps>();

export function registerFileOps(kind: FileKind, ops: FileOps): void {
  FILE_OPS.set(kind, ops);
}

export function fileOps(kind: FileKind): FileOps | undefined {
  return FILE_OPS.get(kind);
}

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
