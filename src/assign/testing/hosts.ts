import { join } from 'node:path';
import { capturePort, describeHost, readCaptureFile } from '../../host/index.js';
import type { HostDescription } from '../../model/host-description.js';
import { sharedDir } from '../../testing/shared.js';
import { pciNamesFromText, type PciNames } from '../pci-ids.js';

/** A shared real-host capture as a HostDescription (tests only; throws on a broken capture). */
export function sharedHost(name: string): HostDescription {
  return captureHost(join(sharedDir(), 'hosts', name));
}

export function captureHost(file: string): HostDescription {
  const c = readCaptureFile(file);
  if (!c.ok) throw new Error(c.why);
  const h = describeHost(capturePort(c.value), { kernel: c.value.kernel, cmdline: c.value.cmdline ?? [] });
  if (!h.ok) throw new Error(h.why);
  return h.value;
}

/** A small pci.ids of our own, so tests do not depend on the system database. */
export const FIXTURE_PCI_IDS = `# fixture
10de  NVIDIA Corporation
\t1e84  TU104 [GeForce RTX 2070 SUPER]
\t10f8  TU104 HD Audio Controller
1022  Advanced Micro Devices, Inc. [AMD]
\t1483  Starship/Matisse GPP Bridge
10ec  Realtek Semiconductor Co., Ltd.
\t8168  RTL8111/8168/8211/8411 PCI Express Gigabit Ethernet Controller
C 02  Network controller
\t00  Ethernet controller
C 03  Display controller
\t00  VGA compatible controller
C 04  Multimedia controller
\t03  Audio device
C 06  Bridge
\t04  PCI bridge
`;

export function fixtureNames(): PciNames {
  return pciNamesFromText(FIXTURE_PCI_IDS);
}
