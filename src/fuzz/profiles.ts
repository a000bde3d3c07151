/**
 * The kernels the fuzzer drives: one per model profile (L 5.10, O1 5.19 and 6.0, O2 6.1, F 6.2, C 6.12 with and
 * without IOMMUFD + the vfio cdev), each booted from the QEMU q35 capture of ../shared/hosts closest to it (the
 * guest the traces were recorded on: a multifunction group, a PCIe-to-PCI bridge group, a root port without
 * ACS, a singleton). A profile's host is the capture object itself, so a failing sequence prints as a
 * dmaown-trace/1 that `dmaown conform` replays.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostDescription } from '../model/host-description.js';
import type { FileOpsTable } from '../model/index.js';
import { capturePort, describeHost, validateCapture } from '../host/index.js';

export interface FuzzProfile {
  /** Short name: the release's label in reports. */
  readonly name: string;
  /** uname -r the kernel is booted as (selects the model profile). */
  readonly release: string;
  /** The sysfs-capture/1 object, as a trace's `host`. */
  readonly capture: unknown;
  readonly desc: HostDescription;
  /** The file operations the kernel is built with (default FILE_OPS); tests plant bugs here to see the fuzzer find them. */
  readonly fops?: FileOpsTable;
}

/** Profile name → release and the capture file (../shared/hosts) it boots. */
export const FUZZ_PROFILES: readonly { readonly name: string; readonly release: string; readonly host: string }[] = [
  { name: '5.10', release: '5.10.0-46-amd64', host: 'qemu-q35-5.10.json' },
  { name: '5.19', release: '5.19.0-1-amd64', host: 'qemu-q35-6.1.json' },
  { name: '6.0', release: '6.0.0-6-amd64', host: 'qemu-q35-6.1.json' },
  { name: '6.1', release: '6.1.0-56-amd64', host: 'qemu-q35-6.1.json' },
  { name: '6.2', release: '6.2.0-dmaown-iommufd', host: 'qemu-q35-6.12-iommufd.json' },
  { name: '6.12', release: '6.12.117+deb12-amd64', host: 'qemu-q35-6.12.json' },
  { name: '6.12-iommufd', release: '6.12.117-dmaown-iommufd', host: 'qemu-q35-6.12-iommufd.json' },
];

/** Loads the profiles named (all when `names` is empty) from `hostsDir`. Throws on a capture that does not read: the hosts are the project's own. */
export function loadFuzzProfiles(hostsDir: string, names: readonly string[] = []): FuzzProfile[] {
  const out: FuzzProfile[] = [];
  for (const p of FUZZ_PROFILES) {
    if (names.length > 0 && !names.includes(p.name)) continue;
    const file = join(hostsDir, p.host);
    const capture: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const v = validateCapture(capture, file);
    if (!v.ok) throw new Error(v.why);
    const desc = describeHost(capturePort(v.value), { kernel: p.release });
    if (!desc.ok) throw new Error(`${file}: ${desc.why}`);
    out.push({ name: p.name, release: p.release, capture, desc: desc.value });
  }
  const unknown = names.filter((n) => !FUZZ_PROFILES.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`unknown fuzz profile(s) ${unknown.join(', ')}; known: ${FUZZ_PROFILES.map((p) => p.name).join(', ')}`);
  return out;
}
