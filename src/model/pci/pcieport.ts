/**
 * The PCIe port driver (drivers/pci/pcie/portdrv.c, `pcie_portdriver`): its probe `pcie_portdrv_probe()` takes
 * only root ports, upstream and downstream switch ports and root-complex event collectors (-ENODEV otherwise).
 * A device whose config space was not captured (fewer than 64 bytes) is taken as a port.
 */
import type { DriverOps } from '../base/driver-probe.js';
import { ok, type Outcome } from '../errno.js';
import { fail } from '../kernel-state.js';
import { PCI_EXP_TYPE, pciPcieType } from './caps.js';
import { pciConfigSize } from './config.js';

const OK: Outcome = ok();
const PORT_TYPES: ReadonlySet<number> = new Set([PCI_EXP_TYPE.ROOT_PORT, PCI_EXP_TYPE.UPSTREAM, PCI_EXP_TYPE.DOWNSTREAM, PCI_EXP_TYPE.RC_EC]);

/** `pcie_portdriver`: its probe. */
export const PCIEPORT_DRIVER: DriverOps = {
  probe(k, dev) {
    const cfgKnown = dev.pci !== null && pciConfigSize(dev.pci) >= 0x40;
    const t = dev.pci ? pciPcieType(dev.pci) : null;
    if (cfgKnown && (t === null || !PORT_TYPES.has(t))) {
      return fail(k, 'pcie_portdrv_probe', 'ENODEV', `${dev.name} is not a PCIe root/upstream/downstream port`);
    }
    return OK;
  },
};

/** pci-stub (`pci_stub_probe()` drivers/pci/pci-stub.c) and the DMA-API drivers the model does not look inside: probe succeeds. */
export const ACCEPTING_DRIVER: DriverOps = { probe: () => OK };
