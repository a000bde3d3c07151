import { fullBdf } from './facts.js';
import type { ParseContext } from './parse-context.js';

/** A bus bracket `[0000:00]`, `[01]`, `[02-03]`, or a device `00.0` after a tree connector. */
const TOKEN_RE = /\[(?:([0-9a-f]{4,8}):)?([0-9a-f]{2})(?:-([0-9a-f]{2}))?\]|(?<=[-+\\])([0-1][0-9a-f])\.([0-7])(?=[-\s]|$)/gi;
const TREE_LINE_RE = /^[\s|]*(?:[-+\\]-|-\[|-\+-)/;

/**
 * `lspci -t` / `-tv` / `-tvnn`: the topology as a drawn tree. A bracket opens a bus (the root bus,
 * or the secondary bus of the bridge printed just before it); every device drawn under the branch
 * of that bus sits on it. Sets each function's parent bridge (null on a root bus) and the root buses.
 */
export function parseLspciTree(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  /** Column of a branch → the bus drawn along it and the bridge that owns it (null: a root bus). */
  const branches = new Map<number, { domain: string; bus: string; bridge: string | null }>();
  const roots: string[] = [];
  let seen = false;
  for (const l of lines) {
    if (used.has(l.n) || !TREE_LINE_RE.test(l.text)) continue;
    const text = l.text;
    let pending: { domain: string; bus: string; bridge: string | null } | null = null;
    let lastDev = null as { bdf: string; end: number; domain: string } | null;
    let any = false;
    for (const m of text.matchAll(TOKEN_RE)) {
      const col = m.index ?? 0;
      if (m[2] !== undefined) {
        const ownedBy: { bdf: string; end: number; domain: string } | null = lastDev !== null && text.slice(lastDev.end, col) === '-' ? lastDev : null;
        const domain: string = m[1]?.toLowerCase() ?? ownedBy?.domain ?? '0000';
        pending = { domain, bus: (m[2] as string).toLowerCase(), bridge: ownedBy?.bdf ?? null };
        if (ownedBy === null) roots.push(`${domain}:${pending.bus}`);
        continue;
      }
      const branchCol = col - 2;
      const on: { domain: string; bus: string; bridge: string | null } | undefined = pending ?? branches.get(branchCol);
      if (!on) continue;
      if (pending) branches.set(branchCol, pending);
      pending = null;
      const bdf = fullBdf(`${on.domain}:${on.bus}:${(m[4] as string).toLowerCase()}.${m[5] as string}`);
      if (bdf === null) continue;
      sink.set(bdf, 'parent', on.bridge, sink.at(l.n, 'lspci -tv'));
      lastDev = { bdf, end: col + (m[0] as string).length, domain: on.domain };
      any = true;
    }
    if (any || pending !== null) {
      used.add(l.n);
      seen = true;
    }
  }
  if (seen && roots.length > 0) sink.setHost('rootBuses', [...new Set(roots)], sink.at(lines.find((l) => used.has(l.n) && TREE_LINE_RE.test(l.text))?.n ?? 1, 'lspci -tv'));
}
