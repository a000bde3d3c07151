import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Boot-time persistence the way driverctl does it: one file per device, `/etc/driverctl.d/pci-<BDF>`,
 * holding the driver name; driverctl's udev rule re-applies it as a driver_override at boot.
 * `root` relocates /etc (tests, image builds).
 */
export interface FileOps {
  read(path: string): string | null;
  write(path: string, content: string): void;
  remove(path: string): void;
}

export const nodeFileOps: FileOps = {
  read: (p) => { try { return readFileSync(p, 'utf8'); } catch { return null; } },
  write: (p, c) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, c, { mode: 0o644 }); },
  remove: (p) => { try { unlinkSync(p); } catch { /* already absent */ } },
};

export function driverctlPath(root: string, bdf: string): string {
  return join(root, 'etc/driverctl.d', `pci-${bdf}`);
}

export function driverctlContent(driver: string): string {
  return `${driver}\n`;
}
