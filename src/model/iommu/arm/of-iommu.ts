/**
 * IOMMU setup at driver probe on platforms whose devices get their group there (iommu/platform.ts,
 * `groupAt: 'probe'`): `of_iommu_configure()` (drivers/iommu/of_iommu.c; called by `of_dma_configure_id()`,
 * drivers/of/device.c, from `pci_dma_configure()`), 6.1 and 6.12 alike for what the model needs:
 *   - a PCI function: one stream ID per `pci_for_each_dma_alias()` ID (`of_pci_iommu_init()`), then, without
 *     error, `iommu_probe_device()`;
 *   - `iommu_probe_device()` → `__iommu_probe_device()`: a device already in a group returns 0; else
 *     `ops->probe_device()` = `arm_smmu_probe_device()` → `arm_smmu_insert_master()`, which puts each stream
 *     ID into the SMMU's rb-tree and fails with -EINVAL on an ID another master holds (dev_warn "stream %u
 *     already in tree from dev %s"), the IDs it inserted rolled back and the fwspec freed (so the next probe
 *     tries again); then `ops->device_group()` = `pci_device_group()` and `iommu_group_add_device()`;
 *   - any error but -EPROBE_DEFER is ignored by `of_dma_configure_id()` ("Take all other IOMMU errors to mean
 *     we'll just carry on without it"): the device goes on without a group.
 * Recorded: conformance/arm64-6.1 and arm64-6.12 (A1, A2, A3, S9, S15, S24).
 *
 * Read in Debian's sources of the recorded kernels (linux-source-6.1 6.1.192, linux-source-6.12 6.12.117):
 *   6.1: drivers/of/device.c `of_dma_configure_id()` l.205 `iommu = of_iommu_configure(dev, np, id)`, only
 *        -EPROBE_DEFER returned; drivers/iommu/of_iommu.c `of_iommu_configure()` returns the ops: a fwspec
 *        with ops already set returns early, `pci_request_acs()` l.144, `iommu_probe_device()` l.169, "Ignore
 *        all other errors apart from EPROBE_DEFER"; arm-smmu-v3.c `arm_smmu_insert_master()` l.2649 dev_warn.
 *   6.12: of/device.c l.156 `ret = of_iommu_configure(dev, np, id)`, "Take all other IOMMU errors to mean we'll
 *        just carry on without it"; of_iommu.c l.118 `of_iommu_configure()` returns int: a fwspec already
 *        present returns 0, `pci_request_acs()` l.146, `iommu_probe_device()` l.161; arm-smmu-v3.c l.3265;
 *        iommu.c `__iommu_probe_device()` ("Device is probed already if in a group") → `iommu_init_device()`,
 *        whose error path `dev_iommu_free()`s the fwspec (6.1 the same in `__iommu_probe_device()`'s err_free).
 */
import type { Device } from '../../base/device.js';
import { enter, fail, printk, type KernelState } from '../../kernel-state.js';
import { pciDeviceGroup } from '../../pci/device-group.js';
import { pciForEachDmaAlias, ridName } from '../../pci/requester-id.js';
import { ok, type Outcome } from '../../errno.js';
import { kernelPciTopology } from '../../pci/kernel-topology.js';
import { dmaConfigureFn } from '../platform.js';
import { iommuGroupAllocId, iommuProbeDevice } from '../probe.js';

const OK: Outcome = ok();

/**
 * `arm_smmu_insert_master()`'s check for `dev`, whose group (by `pci_device_group()`) would be `gid`: the
 * first of its stream IDs, in fwspec order, that a member of that group already holds. Devices that share a
 * requester ID are always found in one group by `pci_device_group()` (it follows the same aliases), so the
 * group's members are the only masters that can hold one of `dev`'s IDs: O(group × depth).
 */
export function armSmmuStreamHeld(k: KernelState, dev: Device, gid: number | null): { readonly sid: number; readonly holder: string } | null {
  if (gid === null) return null;
  const view = kernelPciTopology(k);
  const mine = pciForEachDmaAlias(view, dev.name);
  if (mine === null) return null;
  const held = new Map<number, string>();
  for (const m of k.groups.get(gid)?.devices ?? []) {
    if (m === dev.name) continue;
    for (const a of pciForEachDmaAlias(view, m)?.ids ?? []) if (!held.has(a.rid)) held.set(a.rid, m);
  }
  for (const a of mine.ids) {
    const holder = held.get(a.rid);
    if (holder !== undefined) return { sid: a.rid, holder };
  }
  return null;
}

/**
 * `of_iommu_configure()` for a PCI function being probed (or its IORT twin): nothing to do when it has a
 * group; else stream IDs, `arm_smmu_insert_master()`, `pci_device_group()`, `iommu_group_add_device()`.
 * Always returns ok: `of_dma_configure_id()` carries on without the IOMMU on any error but -EPROBE_DEFER
 * (which the model never produces here).
 */
export function ofIommuConfigure(k: KernelState, dev: Device): Outcome {
  if (!dev.pci || dev.group !== null || dev.dead) return OK;
  enter(k, `${dmaConfigureFn(k.platform)} → iommu_probe_device`);
  const how = pciDeviceGroup(kernelPciTopology(k), dev.name);
  if (k.platform.exclusiveStreamIds) {
    const clash = armSmmuStreamHeld(k, dev, how.joins);
    if (clash !== null) {
      const line = `${dev.name}: stream ${clash.sid} already in tree from dev ${clash.holder}`;
      printk(k, line);
      fail(k, 'arm_smmu_insert_master', 'EINVAL',
        `${line} (requester ID ${ridName(clash.sid)} is issued by both); iommu_probe_device fails and of_dma_configure_id carries on without the IOMMU: ${dev.name} stays in no IOMMU group`);
      return OK;
    }
  }
  const r = iommuProbeDevice(k, dev, how.joins ?? iommuGroupAllocId(k));
  if (!r.ok) printk(k, `${dev.name}: iommu_probe_device failed: ${r.why}`);
  return OK;
}
