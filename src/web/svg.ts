import { esc } from './escape.js';
import { GEOMETRY, layout, nodeX, rowY, type Layout } from './layout.js';
import type { NodeData, ReportData } from './report-data.js';

/**
 * The topology as inline SVG, laid out when the report is written (so the file shows the tree with
 * scripts off and prints as it is): three layers — group boxes, tree links, one row per visible
 * function. Rows hidden under a collapsed switch or VF fan, and the boxes of groups with no row
 * shown, are not written: the page's script makes them (page-script.ts: makeRow, makeBox, the same
 * markup) when they are first shown. Elements carry data-*
 * attributes the page's script and the browser tests select on.
 */
export function shapeSvg(kind: NodeData['kind']): string {
  const cy = GEOMETRY.row / 2;
  switch (kind) {
    case 'root-complex': return `<rect class="shape" x="-6" y="${cy - 6}" width="12" height="12" rx="2"/>`;
    case 'endpoint': case 'rciep': return `<circle class="shape" cx="0" cy="${cy}" r="5"/>`;
    case 'vf': return `<circle class="shape" cx="0" cy="${cy}" r="3.5"/>`;
    default: return `<rect class="shape" x="-5" y="${cy - 5}" width="10" height="10" transform="rotate(45 0 ${cy})"/>`;
  }
}

function nodeSvg(n: NodeData, i: number, row: number): string {
  const d = n.dev;
  const cls = ['node', `k-${n.kind}`, `v-${n.verdict}`, n.blocker ? 'blocker' : ''].filter(Boolean).join(' ');
  const attrs = d === null ? `data-rc="${esc(n.id)}"` : `data-bdf="${esc(n.id)}" tabindex="0" role="button"${n.group === null ? '' : ` data-g="${n.group}"`}`;
  const toggle = n.hasKids ? `<text class="toggle" x="-16" y="17" data-toggle="${i}">${n.collapsed ? '▸' : '▾'}</text>` : '';
  // The blocker's mark goes before the text; a subtree's "+N below" after it (row-text.ts keeps room for both).
  const blocker = n.blocker ? '<tspan class="blk">✖ </tspan>' : '';
  const badge = n.hasKids ? `<tspan class="badge" dx="8">${n.collapsed ? `+${n.size} below` : ''}</tspan>` : '';
  return `<g class="${cls}" data-i="${i}" ${attrs} transform="translate(${nodeX(n.depth)},${rowY(row)})">`
    + `${toggle}${shapeSvg(n.kind)}<text x="10" y="17">${blocker}<tspan class="t">${esc(n.text)}</tspan>${badge}</text></g>`;
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
  // Boxes of groups whose members are all hidden at open are made by the page when they show.
  const boxes = data.groups.filter((g) => l.runs.has(g.id)).map((g) => {
    const first = l.runs.get(g.id)?.[0];
    const label = `<text class="glabel" x="${l.labelX}" y="${first === undefined ? 0 : rowY(first[0]) + 17}">group ${g.id} · ${esc(g.label)}</text>`;
    return `<g class="grp v-${g.verdict}${g.endpoints.length > 0 ? '' : ' infra'}" data-group="${g.id}" data-verdict="${g.verdict}">`
      + `<title>IOMMU group ${g.id}: ${esc(g.verdictText)}</title>${boxRects(l, g.id)}${label}</g>`;
  }).join('\n');
  const links = nodes.map((_, i) => linkPath(nodes, i, l)).filter((p) => p !== '').join('');
  const rows = nodes.map((n, i) => ((l.row[i] ?? -1) < 0 ? '' : nodeSvg(n, i, l.row[i] as number))).filter((x) => x !== '').join('\n');
  const h = rowY(l.rows) + GEOMETRY.top;
  return `<svg id="topology" xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${h}" viewBox="0 0 ${l.width} ${h}" role="tree" aria-label="PCI topology with IOMMU groups">`
    + `<g id="boxes">${boxes}</g><path id="links" d="${links}"/><g id="rows">${rows}</g></svg>`;
}
