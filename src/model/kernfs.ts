/**
 * The nodes of the /sys and /dev views (fs/kernfs, fs/sysfs): directories, files, links, character devices, and
 * `kernfs_get_target_path()` for the text of a link. A leaf on the ground floor: every floor that shows
 * something in sysfs builds its nodes with these, and the views in sysfs/ assemble them.
 */
import { ok, type Outcome } from './errno.js';

export type SysNode =
  | { readonly kind: 'dir'; entries(): string[] }
  | { readonly kind: 'file'; read?(): Outcome<string>; bytes?(): Uint8Array; write?(data: string): Outcome }
  | { readonly kind: 'link'; readonly target: string }
  | { readonly kind: 'chardev'; readonly cdev: CdevKind; readonly name: string };

/**
 * Which character device a /dev node is (`inode->i_rdev` → `struct cdev`): `open()` calls that cdev's open
 * (`chrdev_open()` → `fops->open`). `name` is the node's name ('7', 'noiommu-7', 'vfio0').
 */
export type CdevKind = 'iommu' | 'vfio' | 'vfio-group' | 'vfio-device';

export const dir = (entries: () => string[]): SysNode => ({ kind: 'dir', entries });
export const text = (s: string): SysNode => ({ kind: 'file', read: () => (ok(s)) });
export const link = (target: string): SysNode => ({ kind: 'link', target });

/**
 * `kernfs_get_target_path()` (fs/kernfs/symlink.c): the text of a sysfs link placed in directory `parent`
 * pointing at `target` (both below /sys). It climbs one '../' per level from `parent` until it reaches an
 * ancestor of the target's *parent*, then names the target from there — so a link to an ancestor climbs one
 * level past it and names it: `<BDF>/vfio-dev/vfio0/device` reads `../../../<BDF>`, not `../..`.
 */
export function kernfsGetTargetPath(parent: string, target: string): string {
  const a = parent.split('/').filter(Boolean), b = target.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...Array<string>(a.length - i).fill('..'), ...b.slice(i)].join('/');
}
