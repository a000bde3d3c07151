#!/usr/bin/env node
// map-groups.mjs MAP NAME < scenario.scn > mapped.scn — rewrite /dev/vfio/N and /sys/kernel/iommu_groups/N
// (N a group number) by the "FROM TO" lines of MAP (scenarios/arm64-virt.map), all at once (1→3 and 3→…
// never chain), add the mapping to the title, and put the MAP's "prelude NAME LINE" lines for scenario NAME
// right after its `capture`. Used by make-initramfs.sh for labels whose groups are numbered otherwise.
import { readFileSync } from 'node:fs';

export function parseMap(text) {
  const map = new Map();
  map.preludes = new Map();
  for (const line of text.split('\n')) {
    const p = /^prelude\s+(\S+)\s+(.+)$/.exec(line.trim());
    if (p) { map.preludes.set(p[1], [...(map.preludes.get(p[1]) ?? []), p[2]]); continue; }
    const l = line.replace(/#.*/, '').trim();
    if (!l) continue;
    const m = /^(\d+)\s+(\d+)$/.exec(l);
    if (!m) throw new Error(`map: bad line ${JSON.stringify(line)}`);
    map.set(m[1], m[2]);
  }
  return map;
}

export function mapScenario(text, map, name = '') {
  const used = new Set();
  const lines = text.split('\n').map((line) => {
    if (line.startsWith('title ')) return line;
    return line.replace(/(\/dev\/vfio\/|\/sys\/kernel\/iommu_groups\/)(\d+)\b/g, (all, where, n) => {
      if (!map.has(n)) return all;
      used.add(n);
      return `${where}${map.get(n)}`;
    });
  });
  const prelude = map.preludes?.get(name) ?? [];
  const at = lines.indexOf('capture');
  const out = prelude.length && at >= 0 ? [...lines.slice(0, at + 1), ...prelude, ...lines.slice(at + 1)] : lines;
  const i = out.findLastIndex((l) => l.startsWith('title '));
  if (used.size && i >= 0) {
    const note = [...used].map((n) => `${n}→${map.get(n)}`).join(', ');
    out.splice(i + 1, 0, `title [arm64 virt + SMMUv3: group numbers of the x86 script mapped ${note}${prelude.length ? '; first step added: the bridge\'s shpchp unbound, as on x86 where it had none' : ''}]`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const map = parseMap(readFileSync(process.argv[2], 'utf8'));
  process.stdout.write(mapScenario(readFileSync(0, 'utf8'), map, process.argv[3] ?? ''));
}
