// Writes a synthetic host to disk: as a real directory tree with real symlinks (a /sys look-alike)
// and as a sysfs-capture/1 file. Both come from the same entries, so every tool sees the same host.
// Results are cached under the work directory, keyed by size and a hash of the generator sources.

import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTopology } from './topology.mjs';
import { sysfsEntries } from './sysfs-entries.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Hash of the generator sources: a changed generator regenerates the cached hosts. */
export function generatorVersion() {
  const h = createHash('sha256');
  for (const f of ['topology.mjs', 'config-space.mjs', 'sysfs-entries.mjs', 'write-host.mjs']) h.update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 12);
}

/** Materialises `topo` as a directory tree rooted at `root` (which plays /sys). */
export function writeTree(topo, root) {
  rmSync(root, { recursive: true, force: true });
  const made = new Set();
  const mkdirp = (d) => {
    if (made.has(d)) return;
    mkdirSync(d, { recursive: true });
    made.add(d);
  };
  let files = 0;
  for (const [rel, v] of sysfsEntries(topo)) {
    const abs = join(root, rel);
    if (v.dir) { mkdirp(abs); continue; }
    mkdirp(dirname(abs));
    if (typeof v === 'string') writeFileSync(abs, v);
    else if (v.bytes) writeFileSync(abs, v.bytes);
    else if (v.link) symlinkSync(v.link, abs);
    files++;
  }
  return files;
}

/** Streams the capture JSON to `file` (a 50k-function capture is hundreds of MB). */
export function writeCapture(topo, file) {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `{"format":"sysfs-capture/1","kernel":${JSON.stringify(topo.kernel)},` +
      `"cmdline":["intel_iommu=on","iommu=pt"],"generator":"dmaown scripts/bench","entries":{`);
    let first = true;
    let buf = '';
    for (const [rel, v] of sysfsEntries(topo)) {
      const val = v.bytes ? `{"hex":"${Buffer.from(v.bytes).toString('hex')}"}` : JSON.stringify(v);
      buf += `${first ? '' : ','}\n${JSON.stringify(rel)}:${val}`;
      first = false;
      if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ''; }
    }
    writeSync(fd, `${buf}\n}}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every file and link of a tree once (untimed), so that every tool measured afterwards finds
 * the dentries and pages in the cache, as on a live /sys (which is never "cold" on disk).
 */
export function warmTree(root) {
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) { readlinkSync(p); n++; }
      else { readFileSync(p); n++; }
    }
  };
  walk(root);
  return n;
}

/**
 * Ensures the host of `n` functions exists under `workDir`: { tree, capture, functions, groups }.
 * Reuses a previous run's files when the generator has not changed.
 */
export function ensureHost(n, workDir, log = () => {}) {
  const dir = join(workDir, `host-${n}`);
  const stamp = join(dir, 'STAMP');
  const version = generatorVersion();
  const tree = join(dir, 'sys');
  const capture = join(dir, 'capture.json');
  if (existsSync(stamp)) {
    const s = JSON.parse(readFileSync(stamp, 'utf8'));
    if (s.version === version) return { tree, capture, ...s };
  }
  log(`generating host of ${n} PCI functions in ${dir} ...`);
  const topo = generateTopology(n);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const files = writeTree(topo, tree);
  writeCapture(topo, capture);
  // What `--sysfs-root DIR` reads besides DIR/sys: the release and the kernel parameters.
  mkdirSync(join(dir, 'proc', 'sys', 'kernel'), { recursive: true });
  writeFileSync(join(dir, 'proc', 'sys', 'kernel', 'osrelease'), `${topo.kernel}\n`);
  writeFileSync(join(dir, 'proc', 'cmdline'), 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt\n');
  const info = { version, n, functions: topo.functions.length, lastBdf: topo.functions[topo.functions.length - 1].bdf, groups: topo.groups.length, domains: topo.domains, entries: files,
    generateSeconds: (performance.now() - t0) / 1000 };
  writeFileSync(stamp, JSON.stringify(info));
  return { tree, capture, ...info };
}
