import type { Result } from '../model/errno.js';

/**
 * The one small port through which everything reads (and, for apply, writes) a host's /sys.
 * Paths are absolute and start with '/sys/' (or '/dev/' and '/proc/' where an adapter supports them).
 * Implementations: a live root directory (`live-port.ts`), a sysfs-capture/1 file (`capture-port.ts`)
 * and the simulated kernel (`src/model`'s Kernel answers the same calls).
 *
 * Every call is synchronous and answers with an errno value, never an exception: a permission problem
 * (EACCES), a missing file (ENOENT) and a parse problem are different answers.
 */
export interface SysfsPort {
  /** Text content of a regular file, exactly as read (trailing newline kept). Binary files: see readBytes. */
  read(path: string): Result<string>;
  /**
   * Bytes of a binary attribute (PCI config space). `max`: at most this many, the rest left unread
   * (config space is at most PCI_CFG_SPACE_EXP_SIZE, 4096 bytes: the reader asks for no more).
   */
  readBytes(path: string, max?: number): Result<Uint8Array>;
  /**
   * `readBytes` without the trailing zero bytes, and how many bytes were read (config space as a report
   * keeps it: pci/config.ts pciConfigCompact) — no full-size copy made. Optional: readers fall back to
   * readBytes + pciConfigCompact.
   */
  readBytesCompact?(path: string, max?: number): Result<{ readonly bytes: Uint8Array; readonly size: number }>;
  /** Target of a symbolic link exactly as readlink(2) prints it (usually relative). */
  readLink(path: string): Result<string>;
  /**
   * Whether a directory entry of that name exists (lstat: a dangling link exists), for a reader that
   * would otherwise list a whole directory to learn whether one optional attribute is there. Optional:
   * without it readers try the read and take ENOENT as absent.
   */
  exists?(path: string): boolean;
  /** Entry names of a directory, sorted. */
  list(path: string): Result<string[]>;
  /** write(2) of `data` to a sysfs attribute. Read-only adapters answer EROFS. */
  write(path: string, data: string): Result<void>;
  /** `modprobe NAME` / `modprobe -r NAME`: only the live host with writes allowed has them. */
  loadModule?(name: string): Result<void>;
  unloadModule?(name: string): Result<void>;
}
