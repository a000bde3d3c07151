/**
 * The indented-tree geometry shared by the generated SVG and the page's script (which re-runs the
 * same arithmetic, in page-script.ts, when a subtree is collapsed or expanded): one row per visible
 * node in pre-order, indented by depth; an IOMMU group's box spans each run of consecutive visible
 * rows of its members, from the leftmost member's indent to the label column.
 */
export const GEOMETRY = { row: 24, indent: 18, left: 22, top: 6, text: 480, label: 290 } as const;

export interface LayoutNode {
  readonly parent: number;
  readonly depth: number;
  readonly group: number | null;
}

export interface Layout {
  /** Row of each node, or -1 when hidden under a collapsed ancestor. */
  readonly row: readonly number[];
  readonly rows: number;
  /** Per group, its runs of consecutive rows: [firstRow, lastRow, minDepth]. */
  readonly runs: ReadonlyMap<number, readonly (readonly [number, number, number])[]>;
  readonly width: number;
  readonly labelX: number;
}

export const nodeX = (depth: number): number => GEOMETRY.left + depth * GEOMETRY.indent;
export const rowY = (row: number): number => GEOMETRY.top + row * GEOMETRY.row;

export function layout(nodes: readonly LayoutNode[], collapsed: (i: number) => boolean): Layout {
  const row: number[] = new Array<number>(nodes.length).fill(-1);
  let maxDepth = 0, next = 0;
  const hidden: boolean[] = new Array<boolean>(nodes.length).fill(false);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as LayoutNode;
    maxDepth = Math.max(maxDepth, n.depth);
    const p = n.parent;
    hidden[i] = p >= 0 && ((hidden[p] ?? false) || collapsed(p));
    if (!hidden[i]) row[i] = next++;
  }
  const runs = new Map<number, [number, number, number][]>();
  let prevGroup: number | null = null;
  for (let i = 0; i < nodes.length; i++) {
    const r = row[i] as number;
    if (r < 0) continue;
    const g = (nodes[i] as LayoutNode).group, depth = (nodes[i] as LayoutNode).depth;
    if (g !== null) {
      const list = runs.get(g) ?? [];
      const last = list[list.length - 1];
      if (last && prevGroup === g && last[1] === r - 1) { last[1] = r; last[2] = Math.min(last[2], depth); } else list.push([r, r, depth]);
      runs.set(g, list);
    }
    prevGroup = g;
  }
  const labelX = nodeX(maxDepth) + GEOMETRY.text;
  return { row, rows: next, runs, width: labelX + GEOMETRY.label, labelX };
}
