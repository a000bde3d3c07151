import { esc } from './escape.js';
import { GEOMETRY, layout, nodeX, rowY, type Layout } from './layout.js';
import type { NodeData, ReportData } from './report-data.js';

/**
 * The topology as inline SVG, laid out when the report is written (so the file shows the tree with
 * scripts off and prints as it is): three layers — group boxes, tree links, one row per function.
 * Elements carry data-* attributes the page's script and the browser tests select on.
 */
const MAX_TEXT = 62;

const short = (id: string): string => (id.startsWith('0000:') ? id.slice(5) : id);

/** The row's text: BDF, [vendor:device], driver, then the names (or class) — what is clipped is the end of the names. */
export function nodeText(n: NodeData): string {
  const d = n.dev;
  if (d === null) return `${n.id} — ${n.kindName}`;
  const name = [d.vendorName, d.deviceName ?? d.className ?? `class ${d.class.slice(0, 4)}`].filter((x) => x !== null).join(' ');
  return `${short(n.id)} [${d.vendor}:${d.device}] ${d.driver ?? '(no driver)'} · ${name}`;
}

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function shape(n: NodeData): string {
  const cy = GEOMETRY.row / 2;
  switch (n.kind) {
    case 'root-complex': return `<rect class="shape" x="-6" y="${cy - 6}" width="12" height="12" rx="2"/>`;
    case 'endpoint': case 'rciep': return `<circle class="shape" cx="0" cy="${cy}" r="5"/>`;
    case 'vf': return `<circle class="shape" cx="0" cy="${cy}" r="3.5"/>`;
    default: return `<rect class="shape" x="-5" y="${cy - 5}" width="10" height="10" transform="rotate(45 0 ${cy})"/>`;
  }
}

function nodeSvg(n: NodeData, i: number, l: Layout, groupVerdict: Map<number, string>, hasKids: boolean): string {
  const r = l.row[i] ?? -1;
  const full = nodeText(n);
  const d = n.dev;
  const v = n.group === null ? 'nogroup' : groupVerdict.get(n.group) ?? 'nogroup';
  const cls = ['node', `k-${n.kind}`, `v-${v}`, d?.blocks && v === 'blocked' ? 'blocker' : '', r < 0 ? 'hidden' : ''].filter(Boolean).join(' ');
  const attrs = d === null ? `data-rc="${esc(n.id)}"` : `data-bdf="${esc(n.id)}" tabindex="0" role="button"${n.group === null ? '' : ` data-g="${n.group}"`}`;
  const toggle = hasKids ? `<text class="toggle" x="-16" y="17" data-toggle="${i}" role="button" aria-label="collapse or expand ${esc(short(n.id))}">${n.collapsed ? '▸' : '▾'}</text>` : '';
  // The blocker's mark goes before the text; a subtree's "+N below" after it, room kept for it.
  const blocker = d?.blocks && v === 'blocked' ? `<tspan class="blk">✖ </tspan>` : '';
  const badge = hasKids ? `<tspan class="badge" dx="8">${n.collapsed ? `+${n.size} below` : ''}</tspan>` : '';
  const max = MAX_TEXT - (hasKids ? 12 : 0) - (blocker ? 2 : 0);
  return `<g class="${cls}" data-i="${i}" ${attrs} transform="translate(${nodeX(n.depth)},${rowY(Math.max(r, 0))})">`
    + `${toggle}${shape(n)}`
    + `<text x="10" y="17">${blocker}<tspan class="t">${esc(clip(full, max))}</tspan>${badge}</text></g>`;
}

/** The path from a node's parent down to it (an elbow), or '' for a root complex or a hidden node. */
export function linkPath(nodes: readonly NodeData[], i: number, l: Layout): string {
  const n = nodes[i] as NodeData;
  const r = l.row[i] ?? -1, pr = l.row[n.parent] ?? -1;
  if (n.parent < 0 || r < 0 || pr < 0) return '';
  const px = nodeX((nodes[n.parent] as NodeData).depth), x = nodeX(n.depth);
  return `M${px},${rowY(pr) + GEOMETRY.row / 2 + 6}V${rowY(r) + GEOMETRY.row / 2}H${x - 6}`;
}

export function boxRects(l: Layout, g: number): string {
  return (l.runs.get(g) ?? []).map(([a, b, depth]) => {
    const x = nodeX(depth) - 12;
    return `<rect x="${x}" y="${rowY(a) + 1}" width="${l.width - 8 - x}" height="${(b - a + 1) * GEOMETRY.row - 2}" rx="6"/>`;
  }).join('');
}

export function topologySvg(data: ReportData): string {
  const nodes = data.nodes;
  const l = layout(nodes, (i) => nodes[i]?.collapsed === true);
  const verdicts = new Map(data.groups.map((g) => [g.id, g.verdict]));
  const kids = new Set(nodes.map((n) => n.parent));
  const boxes = data.groups.filter((g) => g.members.length > 0).map((g) => {
    const first = l.runs.get(g.id)?.[0];
    const label = first === undefined ? '' : `<text class="glabel" x="${l.labelX}" y="${rowY(first[0]) + 17}">group ${g.id} · ${esc(g.label)}</text>`;
    return `<g class="grp v-${g.verdict}${g.endpoints.length > 0 ? '' : ' infra'}${first === undefined ? ' hidden' : ''}" data-group="${g.id}" data-verdict="${g.verdict}">`
      + `<title>IOMMU group ${g.id}: ${esc(g.verdictText)}</title>${boxRects(l, g.id)}${label}</g>`;
  }).join('\n');
  const links = nodes.map((_, i) => linkPath(nodes, i, l)).filter((p) => p !== '').join('');
  const rows = nodes.map((n, i) => nodeSvg(n, i, l, verdicts, kids.has(i))).join('\n');
  const h = rowY(l.rows) + GEOMETRY.top;
  return `<svg id="topology" xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${h}" viewBox="0 0 ${l.width} ${h}" role="tree" aria-label="PCI topology with IOMMU groups">`
    + `<g id="boxes">${boxes}</g><path id="links" d="${links}"/><g id="rows">${rows}</g></svg>`;
}
