#!/usr/bin/env node
// map-groups.mjs MAP < scenario.scn > mapped.scn — rewrite /dev/vfio/N (N a group number) by the
// "FROM TO" lines of MAP (scenarios/arm64-virt.map), all at once (1→3 and 3→… never chain), and add
// the mapping to the title. Used by make-initramfs.sh for labels whose groups are numbered otherwise.
import { readFileSync } from 'node:fs';

export function parseMap(text) {
  const map = new Map();
  for (const line of text.split('\n')) {
    const l = line.replace(/#.*/, '').trim();
    if (!l) continue;
    const m = /^(\d+)\s+(\d+)$/.exec(l);
    if (!m) throw new Error(`map: bad line ${JSON.stringify(line)}`);
    map.set(m[1], m[2]);
  }
  return map;
}

export function mapScenario(text, map) {
  const used = new Set();
  const out = text.split('\n').map((line) => {
    if (line.startsWith('title ')) return line;
    return line.replace(/\/dev\/vfio\/(\d+)\b/g, (all, n) => {
      if (!map.has(n)) return all;
      used.add(n);
      return `/dev/vfio/${map.get(n)}`;
    });
  });
  const i = out.findLastIndex((l) => l.startsWith('title '));
  if (used.size && i >= 0) {
    const note = [...used].map((n) => `${n}→${map.get(n)}`).join(', ');
    out.splice(i + 1, 0, `title [arm64 virt + SMMUv3: group numbers of the x86 script mapped ${note}]`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const map = parseMap(readFileSync(process.argv[2], 'utf8'));
  process.stdout.write(mapScenario(readFileSync(0, 'utf8'), map));
}
