import { ok, type Result } from '../model/errno.js';
import type { PersistInput, PersistPlan } from './persist.js';
import { anyExists } from './persist.js';
import { moduleOf } from './persist-modprobe.js';
import { cmdlineVfioIds } from './vfio-ids.js';

/**
 * `--persist=cmdline`: the `vfio-pci.ids=…` kernel parameter (merged with the one the host already
 * boots with) and where it goes for GRUB and systemd-boot. Printed, never written: a boot loader's
 * files are the user's to edit.
 */
export function cmdlineParams(input: PersistInput, ids: readonly string[]): Result<Omit<PersistPlan, 'method'> & { method: 'cmdline' }> {
  const existing = cmdlineVfioIds(input.host.cmdline);
  const have = existing.flatMap((e) => e.ids.map((i) => i.text));
  const all = [...have, ...ids.filter((i) => !have.includes(i))];
  const param = `${input.driver}.ids=${all.join(',')}`;
  const notes: string[] = [];
  if (existing.length > 0) notes.push(`this host already boots with ${existing.map((e) => e.word).join(' ')}: replace it with ${param} (one ids= only: the module keeps the last)`);
  const grub = anyExists(input.files, ['/etc/default/grub']);
  const sdboot = anyExists(input.files, ['/etc/kernel/cmdline', '/boot/loader/entries', '/boot/efi/loader/entries', '/efi/loader/entries']);
  const mark = (found: boolean): string => (found ? ' (found on this host)' : '');
  notes.push(`GRUB${mark(grub)}: add ${param} to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then run \`update-grub\` (Debian, Ubuntu) or \`grub2-mkconfig -o /boot/grub2/grub.cfg\` (Fedora, RHEL)`);
  notes.push(`systemd-boot${mark(sdboot)}: add ${param} to /etc/kernel/cmdline (read by kernel-install when a kernel is installed) or to the \`options\` line of the entry in /boot/loader/entries/*.conf`);
  const deps = [...new Set(input.devices.map((d) => d.driver).filter((d): d is string => d !== null && d !== input.driver && d !== 'pci-stub'))];
  if (deps.length > 0) {
    notes.push(`when ${input.driver} is a module, ${deps.map((d) => moduleOf(input, d)).join(', ')} may still load first: add \`softdep <module> pre: ${input.driver}\` lines (--persist=modprobe writes them)`);
  }
  notes.push('dmaown writes no boot loader file: nothing to undo here but the parameter you add');
  return ok({ method: 'cmdline', changes: [], kernelParams: [param], notes, warnings: [], refusals: [], initramfs: null });
}
