/**
 * What `dmaown verify` checks in every reachable state, and the projection of a state onto the variables
 * of ../shared/spin/ownership.pml (docs/verify.md says why each maps as it does).
 *
 * - ownership: no IOMMU group is owned by user space while a member is bound to a DMA-API driver (one
 *   without `driver_managed_dma`). Owned: O1+ `group->owner` set; L (no owner in the IOMMU core) the vfio
 *   group attached to a container — ownership.pml's `OWNED`.
 * - oops: no call dies in the kernel (the 5.10 `BUG_ON` in `vfio_iommu_group_notifier()`).
 * - invariants: the model's own (`checkInvariants`, spec §1.3).
 * - recovery: closing every descriptor and unbinding every member reaches a state where each member's
 *   DMA-API driver binds again (checked from every state by doing it).
 */
import { checkInvariants, isDriverManagedDma, type Kernel, type KernelState } from '../model/index.js';

export type PropertyName = 'ownership' | 'oops' | 'invariants' | 'recovery';
export const PROPERTIES: readonly PropertyName[] = ['ownership', 'oops', 'invariants', 'recovery'];

/** Whether user space owns iommu group `gid` (O1+: an owner cookie; L: its vfio group sits in a container). */
export function userOwned(k: KernelState, gid: number): boolean {
  const g = k.groups.get(gid);
  if (!g) return false;
  if (k.profile.dmaOwnership) return g.owner !== null;
  const vg = k.vfioGroups.get(gid);
  return vg !== undefined && vg.container !== null;
}

/** The ownership property for group `gid`: a message naming the group, the owner and the DMA-API member, or null. */
export function ownershipViolation(k: KernelState, gid: number): string | null {
  if (!userOwned(k, gid)) return null;
  const g = k.groups.get(gid);
  for (const name of g?.devices ?? []) {
    const d = k.devices.get(name);
    if (d?.driver && !isDriverManagedDma(d.driver)) {
      const owner = k.profile.dmaOwnership ? `owned by ${g?.owner}` : `in container ${k.vfioGroups.get(gid)?.container} (user-owned)`;
      return `group ${gid} is ${owner} while ${name} is bound to ${d.driver}, a DMA-API driver`;
    }
  }
  return null;
}

export function invariantViolation(kernel: Kernel): string | null {
  const inv = checkInvariants(kernel);
  return inv.length > 0 ? inv.join('; ') : null;
}

/** Promela driver codes (ownership.pml): NONE 0, KDMA 1, STUB 2, VFIO 3, PORT 4. */
function drvCode(driver: string | null): number {
  if (driver === null) return 0;
  if (driver === 'pci-stub') return 2;
  if (driver === 'vfio-pci') return 3;
  if (driver === 'pcieport') return 4;
  return isDriverManagedDma(driver) ? 5 : 1;
}

/**
 * The state as ownership.pml's variables: `drv[d]`, `devfd[d]`, `gopen`, `cont`, `owner`, `owner_cnt`, `bug`,
 * written as pan would print them. `devices` in group order (device 0 first).
 */
export function promelaProjection(k: KernelState, gid: number, devices: readonly string[], bug: boolean): string {
  const drv = devices.map((d) => drvCode(k.devices.get(d)?.driver ?? null));
  const devfd = devices.map((d) => {
    for (const f of k.files.values()) if (f.kind === 'vfio-device' && f.device === d) return 1;
    return 0;
  });
  let gopen = 0;
  for (const [fd, f] of k.files) if (f.kind === 'vfio-group' && f.id === gid && !k.deadVfioGroups.has(fd)) gopen = 1;
  const vg = k.vfioGroups.get(gid);
  const cont = vg !== undefined && vg.container !== null ? 1 : 0;
  const g = k.groups.get(gid);
  return `drv=${drv.join(',')} devfd=${devfd.join(',')} gopen=${gopen} cont=${cont} owner=${g?.owner !== null && g?.owner !== undefined ? 1 : 0} owner_cnt=${g?.ownerCnt ?? 0} bug=${bug ? 1 : 0}`;
}
