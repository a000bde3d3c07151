/**
 * The floors of src/model (docs/kernel-objects.md draws them): every import — type-only ones and `import()` type
 * queries included — goes from a higher floor to a lower one, and no state field a floor declares is read below
 * it. A floor is a folder (`base/`, `iommu/intel/`, …) or, in src/model itself, one file. The upward calls the
 * kernel makes go through tables the upper floors register at boot (kernel-build.ts `bootOps`), never through
 * an import. Test files are not part of the graph.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Lowest first. A folder or root file not listed here fails the test: place it. */
export const FLOORS: readonly string[] = [
  // ground: errors, versions, what a host is, the VFIO uAPI constants, the state every floor shares, sysfs nodes, fds
  'errno.ts', 'host-description.ts', 'profiles.ts', 'vfio-uapi.ts', 'kernel-state.ts', 'kernfs.ts', 'file-table.ts',
  'base/', // drivers/base: devices, drivers, dd.c, the bus_type / notifier / device_driver tables, blocked calls
  'iommu/', // drivers/iommu core: groups, ownership, attach, probe, the group notifier, iommu_ops
  'pci/', // drivers/pci: config, ACS, pci_device_group(), probe, hotplug, dma_configure, pcieport, shpchp
  'iommu/intel/', 'iommu/amd/', 'iommu/arm/', // the IOMMU drivers and arm's firmware glue (of_iommu): they use the PCI core
  'iommufd/', // drivers/iommu/iommufd
  'vfio/', // drivers/vfio: the core (groups, containers, device fds, cdevs, iommufd glue, the vfio-dev class)
  'vfio/pci/', // drivers/vfio/pci: vfio-pci (and vfio-platform), a driver over the vfio core
  'sysfs/', // the /sys and /dev views of all of the above
  // top: the syscall surface, the file-ops table, boot, the syscall layer, tools over it
  'uapi.ts', 'file-ops.ts', 'kernel-build.ts', 'kernel.ts', 'inspect.ts', 'iommufd-invariants.ts', 'invariants.ts', 'index.ts',
  'examples/', // the demo's host and story (examples/host-builder.ts builds the demo's q35-like host)
  'testing/', // test kits: expectOk/expectErrno, and the host builder re-exported for the tests
];

/**
 * Cycles of files inside one floor, each as the kernel has it. Every other cycle fails the test. The key is the
 * sorted file list of the strongly connected component.
 */
export const KERNEL_CYCLES: Readonly<Record<string, string>> = {
  'iommufd/device.ts iommufd/hw-pagetable.ts iommufd/ioas.ts iommufd/main.ts':
    'drivers/iommu/iommufd/ through iommufd_private.h: main.c dispatches to ioas.c, hw_pagetable.c and device.c ' +
    '(iommufd_ioctl_ops, iommufd_object_ops) and they allocate and find objects with main.c\'s iommufd_object_*; ' +
    'device.c allocates the auto domain with hw_pagetable.c, which attaches through device.c',
  'vfio/container.ts vfio/device.ts vfio/group.ts vfio/iommufd.ts vfio/notifier.ts':
    'drivers/vfio/ core through vfio.h: group.c attaches its group with container.c or iommufd.c and opens devices ' +
    'with vfio_main.c, which close back through group.c; 5.10 had all of it in vfio.c, the group notifier included',
};

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = resolve(here, '../../src/model');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (e.endsWith('.ts') && !e.endsWith('.test.ts')) out.push(relative(modelDir, p).split('\\').join('/'));
  }
  return out.sort();
}

/** The floor of a file: its folder below src/model, or the file itself in src/model. */
function floorOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? file : file.slice(0, i + 1);
}

/** Every relative import of `file` (import/export … from, import(), import type), as files below src/model. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(modelDir, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(modelDir, resolve(dirname(join(modelDir, file)), s)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

const files = sources(modelDir);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rank = (file: string): number => FLOORS.indexOf(floorOf(file));

test('floors: every source file of src/model is on a declared floor', () => {
  const unplaced = [...new Set(files.map(floorOf))].filter((f) => !FLOORS.includes(f));
  assert.deepEqual(unplaced, [], 'add these folders or root files to FLOORS in floors.test.ts');
  assert.ok(files.length > 60, `found ${files.length} files: is src/model where the test looks (${modelDir})?`);
});

test('floors: every import between floors points down — the folder-level graph is acyclic and follows FLOORS', () => {
  const up: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (to.startsWith('..')) up.push(`${from} → ${to} (outside src/model)`);
      else if (floorOf(from) !== floorOf(to) && rank(to) >= rank(from)) up.push(`${from} → ${to}`);
    }
  }
  assert.deepEqual(up, []);
});

/** Tarjan's strongly connected components of the file graph: the cycles. */
function cycles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v) as number, low.get(w) as number)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) { on.delete(w); scc.push(w); }
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

test('floors: no cycle of files spans two floors; a cycle inside one is one the kernel has (KERNEL_CYCLES)', () => {
  const found = cycles();
  assert.deepEqual(found.filter((c) => new Set(c.map(floorOf)).size > 1), [], 'cycles across floors');
  assert.deepEqual(found.map((c) => c.join(' ')).sort(), Object.keys(KERNEL_CYCLES).sort(), 'cycles inside a floor');
});

/** The state fields each floor declares (`declare module '…kernel-state.js' { interface KernelState|KernelOps { … } }`). */
function declaredFields(): Map<string, { floor: string; iface: string }> {
  const out = new Map<string, { floor: string; iface: string }>();
  for (const f of files) {
    const src = readFileSync(join(modelDir, f), 'utf8');
    const blocks = f === 'kernel-state.ts'
      ? [...src.matchAll(/export interface (KernelState|KernelOps) \{([\s\S]*?)\n\}/g)]
      : [...src.matchAll(/declare module '[./]*kernel-state\.js' \{\s*interface (KernelState|KernelOps) \{([\s\S]*?)\n {2}\}/g)];
    for (const m of blocks) {
      for (const fm of (m[2] as string).matchAll(/^\s*(?:readonly\s+)?(\w+)\??:/gm)) {
        out.set(`${m[1]}.${fm[1]}`, { floor: floorOf(f), iface: m[1] as string });
      }
    }
  }
  return out;
}

test('floors: no floor reads state a higher floor declares (k.X, k.ops.X)', () => {
  const fields = declaredFields();
  assert.ok(fields.has('KernelState.devices') && fields.has('KernelOps.busTypes') && fields.has('KernelState.profile'), 'the field scan found the declarations');
  const bad: string[] = [];
  for (const f of files) {
    const src = readFileSync(join(modelDir, f), 'utf8');
    for (const m of src.matchAll(/\b(?:k|st|state)\.(ops\.)?(\w+)/g)) {
      const owner = fields.get(`${m[1] ? 'KernelOps' : 'KernelState'}.${m[2]}`);
      if (owner && FLOORS.indexOf(owner.floor) > rank(f)) bad.push(`${f}: ${m[0]} (declared in ${owner.floor})`);
    }
  }
  assert.deepEqual([...new Set(bad)], []);
});
