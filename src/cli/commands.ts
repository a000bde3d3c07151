import type { Command } from 'commander';
import type { CliIo } from './io.js';

/**
 * The command table. Each entry loads its module only when it runs, so `dmaown --version` and
 * `--help` load neither the host layer nor the model. Add a command here (conform, demo, ...).
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly isDefault?: boolean;
  readonly examples: readonly string[];
  readonly define: (cmd: Command, io: CliIo, done: (code: number) => void) => Promise<void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'status', isDefault: true,
    summary: 'every IOMMU group: devices, drivers, roles, owner, and whether it can be handed to user space now',
    examples: ['dmaown', 'dmaown --sample server-sriov', 'dmaown --capture host.json --json'],
    define: async (c, io, done) => (await import('./commands/status.js')).defineStatus(c, io, done),
  },
  {
    name: 'check', summary: 'can these devices be assigned? verdict, blockers, exempt and host-critical members per group',
    examples: ['dmaown check 01:00.0', 'dmaown check 0000:01:00.0 0000:01:00.1 --json'],
    define: async (c, io, done) => (await import('./commands/check.js')).defineCheck(c, io, done),
  },
  {
    name: 'plan', summary: 'the ordered sysfs steps to hand devices to vfio-pci, simulated on this kernel version first',
    examples: ['dmaown plan 01:00.0 --allow-group-member 01:00.1', 'dmaown plan 01:00.0 01:00.1 --json > plan.json', 'dmaown plan 01:00.0 --via cdev   # prove it through /dev/iommu and /dev/vfio/devices (6.6+)'],
    define: async (c, io, done) => (await import('./commands/plan.js')).definePlan(c, io, done),
  },
  {
    name: 'apply', summary: 'perform a plan (dry run unless --yes): journalled, verified, rolled back on failure',
    examples: ['dmaown apply plan.json', 'sudo dmaown apply plan.json --yes', 'sudo dmaown apply 01:00.0 01:00.1 --yes --persist'],
    define: async (c, io, done) => (await import('./commands/apply.js')).defineApply(c, io, done),
  },
  {
    name: 'restore', summary: 'put every device of a journal back on its original driver (dry run unless --yes; also after a killed apply)',
    examples: ['dmaown restore', 'sudo dmaown restore --yes', 'sudo dmaown restore /var/lib/dmaown/journals/<id>.jsonl --yes'],
    define: async (c, io, done) => (await import('./commands/restore.js')).defineRestore(c, io, done),
  },
  {
    name: 'release', summary: 'give devices back to their kernel drivers, whoever bound them (dmaown, driverctl, libvirt, vfio-pci.ids=), and remove that persistence (dry run unless --yes)',
    examples: ['dmaown release 01:00.0 01:00.1', 'sudo dmaown release 01:00.0 01:00.1 --yes', 'dmaown release 04:00.0 --sample server-sriov --json'],
    define: async (c, io, done) => (await import('./commands/release.js')).defineRelease(c, io, done),
  },
  {
    name: 'vm-config', summary: 'the VM configuration for devices (libvirt <hostdev>, QEMU -device, Proxmox hostpciN, cloud-hypervisor --device), for groups viable now or after the plan',
    examples: ['dmaown vm-config 01:00.0 01:00.1 --format libvirt', 'dmaown vm-config 01:00.0 01:00.1 --format qemu', 'dmaown vm-config 02:00.0 --format proxmox --json'],
    define: async (c, io, done) => (await import('./commands/vm-config.js')).defineVmConfig(c, io, done),
  },
  {
    name: 'conform', summary: 'replay real-kernel traces (dmaown-trace/1) on the model and compare every step',
    examples: ['dmaown conform ../shared/conformance', 'dmaown conform conformance/6.1/S5-bind-into-live-group.json --json'],
    define: async (c, io, done) => (await import('./commands/conform.js')).defineConform(c, io, done),
  },
  {
    name: 'verify', summary: 'prove the ownership rule on the model: every reachable state of a group, each kernel profile; the shortest counterexample as a trace',
    examples: ['dmaown verify --devices 10 --bridge --kernel 5.10', 'dmaown verify --devices 4 --bridge --kernel 5.10 5.19 --alphabet spin --no-symmetry', 'dmaown verify --sample desktop-gpu --group 8 --kernel all --trace-dir /tmp/cex'],
    define: async (c, io, done) => (await import('./commands/verify.js')).defineVerify(c, io, done),
  },
  {
    name: 'explain', summary: 'why devices share IOMMU groups: DMA aliases, ACS, multifunction devices, quirks',
    examples: ['dmaown explain', 'dmaown explain 14', 'dmaown explain 03:00.0 --json'],
    define: async (c, io, done) => (await import('./commands/explain.js')).defineExplain(c, io, done),
  },
  {
    name: 'capture', summary: 'write this host as a sysfs-capture/1 file (PCI, IOMMU, drivers only; no addresses or serials)',
    examples: ['dmaown capture -o host.json', 'dmaown --capture host.json'],
    define: async (c, io, done) => (await import('./commands/capture.js')).defineCapture(c, io, done),
  },
  {
    name: 'export', summary: 'the groups, owners and viability for Prometheus (textfile), Node Feature Discovery, KubeVirt or Ansible; atomic writes, --watch',
    examples: [
      'dmaown export --format prometheus -o /var/lib/prometheus/node-exporter/dmaown.prom',
      'dmaown export --format nfd -o /etc/kubernetes/node-feature-discovery/features.d/dmaown --watch 1m',
      'dmaown export --format kubevirt --capture host.json',
      'dmaown export --format ansible -o /etc/ansible/facts.d/dmaown.fact',
    ],
    define: async (c, io, done) => (await import('./commands/export.js')).defineExport(c, io, done),
  },
  {
    name: 'report', summary: 'the PCI tree, IOMMU groups, verdicts, explanations and plans as one self-contained HTML file',
    examples: ['dmaown report --html host.html', 'dmaown report --html desktop.html --sample desktop-gpu', 'dmaown report --html - --capture host.json > host.html'],
    define: async (c, io, done) => (await import('./commands/report.js')).defineReport(c, io, done),
  },
  {
    name: 'serve', summary: 'the same view live on 127.0.0.1, with the what-if simulated on demand (never writes to the host)',
    examples: ['dmaown serve', 'dmaown serve --port 8080 --capture host.json'],
    define: async (c, io, done) => (await import('./commands/serve.js')).defineServe(c, io, done),
  },
  {
    name: 'import', summary: 'read pasted output (IOMMU group listing, lspci -nnk/-vvv/-vmm/-tv, dmesg, pvesh) as one host: what it says, what is unknown',
    examples: ['dmaown import groups.txt lspci-nnk.txt lspci-vvv.txt -o host.json', 'xclip -o | dmaown import -', 'dmaown check 01:00.0 --paste groups.txt --paste lspci-nnk.txt'],
    define: async (c, io, done) => (await import('./commands/import.js')).defineImport(c, io, done),
  },
  {
    name: 'demo', summary: "the seed's story: the same syscalls end in a kernel BUG on 5.10 and in EBUSY on 6.1",
    examples: ['dmaown demo', 'dmaown demo --kernel 5.10.0-46-amd64 5.19.0-1-amd64 6.12.117+deb12-amd64'],
    define: async (c, io, done) => (await import('./commands/demo.js')).defineDemo(c, io, done),
  },
];
