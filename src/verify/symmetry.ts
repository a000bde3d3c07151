/**
 * Symmetry reduction: members of the group that are interchangeable — the same role, the same ids and
 * class, the same possible drivers and the same driver to return to — may be renamed into one another
 * without changing what the kernel can do. A state's canonical device order puts each class's members in
 * the order of their own state (driver, override, descriptors and vfio registration), so states that differ
 * only by such a renaming get the same key. Members whose states tie are truly alike in everything the
 * order looks at; the key still describes the whole state, so a tie broken either way never merges two
 * states that differ (it can only leave some symmetric states apart: less reduction, never a wrong count).
 */
import type { KernelState } from '../model/index.js';

/** Classes of member positions (each sorted); positions in no class of two or more stay fixed. */
export type SymmetryClasses = readonly (readonly number[])[];

function signature(k: KernelState, name: string): string {
  const d = k.devices.get(name);
  if (!d) return 'absent';
  const vg = d.group === null ? undefined : k.vfioGroups.get(d.group);
  let fds = 0, cdevs = 0;
  for (const f of k.files.values()) {
    if (f.device !== name) continue;
    if (f.kind === 'vfio-device') fds++;
    else if (f.kind === 'vfio-cdev') cdevs++;
  }
  const vdev = k.vfioIommufdDevs.get(name);
  let sleeping = '';
  for (const p of k.pending.values()) {
    const w = p.wait as { kind: string; device?: string }, r = p.redo as { kind: string; device?: string };
    if (w.device === name || r.device === name) sleeping += `${w.kind}>${r.kind}${p.result === null ? '' : '!'};`;
  }
  return `${d.driver ?? ''}|${d.driverSysfs ? 1 : 0}|${d.driverOverride ?? ''}|${d.defaultDomainUses}|${d.lockHolder === null ? 0 : 1}|`
    + `${vg?.devices.includes(name) ? 1 : 0}|${vg?.unboundList.has(name) ? 1 : 0}|${vg?.openDevices.get(name) ?? 0}|${fds}|${cdevs}|`
    + `${vdev ? `${vdev.attached ? 1 : 0}${vdev.openCount}${vdev.cdev ? 1 : 0}` : '-'}|${k.vfioDevIndex.has(name) ? 1 : 0}|${sleeping}`;
}

/** The device order the canonical key uses: `members` with each class's positions filled by its members sorted by their state. */
export function canonicalOrder(k: KernelState, members: readonly string[], classes: SymmetryClasses): string[] {
  const order = [...members];
  for (const cls of classes) {
    if (cls.length < 2) continue;
    const sorted = cls.map((i) => ({ name: members[i] as string, sig: signature(k, members[i] as string) }))
      .sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0));
    cls.forEach((pos, j) => { order[pos] = (sorted[j] as { name: string }).name; });
  }
  return order;
}
