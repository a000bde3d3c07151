/**
 * `checkInvariants(kernel)`: the §1.3 invariants plus profile-specific ones, as messages (empty = all
 * hold). Tests run it after every step. Costs O(state); for tests and tools, not for the syscall path.
 *
 * O1+: (1) owner ⇒ owner_cnt ≥ 1 and no kernel DMA-API user in the group; (2) no owner ⇒ owner_cnt equals
 * the counts held by bound kernel-DMA drivers; (3) owner ⇒ domain is blocking or a user domain, never the
 * default; (5) F+: ownership of a group with PASIDs cannot have changed (checked as: owner_cnt/owner
 * consistent regardless). L: no ownership fields are used. All: a vfio group in a container has
 * container_users ≥ 1; every fd refers to a live object; device ↔ group membership agrees.
 */
import { driverKey } from './base/driver-registry.js';
import type { Kernel } from './uapi.js';
import { iommufdCheckInvariants } from './iommufd-invariants.js';

export function checkInvariants(kernel: Kernel): string[] {
  const k = kernel.state;
  const out: string[] = [];
  for (const g of k.groups.values()) {
    for (const name of g.devices) {
      const d = k.devices.get(name);
      if (!d) out.push(`group ${g.id}: member ${name} does not exist`);
      else if (d.group !== g.id) out.push(`group ${g.id}: member ${name} says its group is ${d.group}`);
    }
    if (!k.profile.dmaOwnership) {
      if (g.ownerCnt !== 0 || g.owner !== null) out.push(`group ${g.id}: ownership fields used on ${k.profile.label}`);
      continue;
    }
    let users = 0;
    for (const name of g.devices) {
      const d = k.devices.get(name);
      if (!d || d.defaultDomainUses === 0) continue;
      users += d.defaultDomainUses;
      const drv = d.driver === null ? undefined : k.drivers.get(driverKey(d.bus, d.driver));
      if (!drv) out.push(`group ${g.id}: ${d.name} holds ${d.defaultDomainUses} owner_cnt but has no driver (leaked count)`);
      else if (drv.driverManagedDma) out.push(`group ${g.id}: ${d.name} holds owner_cnt but ${drv.name} is driver_managed_dma`);
      else if (d.defaultDomainUses > 1) out.push(`group ${g.id}: ${d.name} holds ${d.defaultDomainUses} owner_cnt (one leaked)`);
    }
    if (g.owner !== null) {
      if (g.ownerCnt < 1) out.push(`group ${g.id}: owner ${g.owner} with owner_cnt ${g.ownerCnt}`);
      if (users > 0) out.push(`group ${g.id}: owned by ${g.owner} while kernel drivers hold ${users} count(s)`);
      if (g.domain === g.defaultDomain) out.push(`group ${g.id}: owned by ${g.owner} but on the default domain`);
    } else if (g.ownerCnt !== users) {
      out.push(`group ${g.id}: owner_cnt=${g.ownerCnt} but bound kernel-DMA drivers hold ${users}`);
    }
    // An emptied group may still be claimed by user space (5.19/6.0 SET_CONTAINER after a PCI remove: the
    // owner rules above hold for it); one nobody owns holds no count and sits on its default domain.
    if (g.devices.length === 0 && g.owner === null && (g.ownerCnt !== 0 || g.domain !== g.defaultDomain)) out.push(`group ${g.id}: empty, no owner, but owner_cnt=${g.ownerCnt}`);
  }
  for (const vg of k.vfioGroups.values()) {
    if (vg.container !== null && vg.containerUsers < 1) out.push(`vfio group ${vg.id}: in container ${vg.container} with container_users 0`);
    if (vg.container !== null && !k.containers.get(vg.container)?.groups.includes(vg.id)) out.push(`vfio group ${vg.id}: container ${vg.container} does not list it`);
    if (k.profile.dmaOwnership && vg.container !== null && !vg.noiommu && vg.iommuGroup !== null) {
      const g = k.groups.get(vg.iommuGroup);
      if (!g || g.owner === null) out.push(`vfio group ${vg.id}: in a container but iommu group not user-owned`);
    }
  }
  for (const [fd, vg] of k.deadVfioGroups) {
    if (k.files.get(fd)?.kind !== 'vfio-group') out.push(`dead vfio group ${vg.id}: held by fd ${fd}, which is not an open group fd`);
    if (vg.iommuGroup !== null || vg.devices.length > 0 || vg.container !== null) out.push(`dead vfio group ${vg.id}: still has an iommu_group, devices or a container`);
    if (k.vfioGroups.get(vg.id) === vg) out.push(`dead vfio group ${vg.id}: still on vfio.group_list`);
  }
  for (const [fd, f] of k.files) {
    if (f.kind === 'vfio-group' && (k.deadVfioGroups.get(fd) ?? k.vfioGroups.get(f.id))?.openedFd !== fd) out.push(`fd ${fd}: vfio group ${f.id} does not record it as its open fd`);
    if (f.kind === 'vfio-container' && !k.containers.has(f.id)) out.push(`fd ${fd}: container ${f.id} is gone`);
  }
  out.push(...iommufdCheckInvariants(k));
  return out;
}
