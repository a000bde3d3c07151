import type { GroupView } from '../assign/inspect.js';

/**
 * A group's verdict as the report shows it (colour, glyph and word):
 * - infrastructure: only bridges / ports (nothing a user would pass through);
 * - ready: no blocker, and every endpoint is already bound to a user-space driver (vfio-pci or a
 *   *_vfio_pci variant) — a VMM can open the group now;
 * - assignable: no blocker, but endpoints still need binding (unbound or driver-managed);
 * - blocked: a member's kernel driver, or a process holding the group, keeps user space out.
 */
export type Verdict = 'ready' | 'assignable' | 'blocked' | 'infrastructure';

export const VERDICT_GLYPH: Readonly<Record<Verdict, string>> = {
  ready: '✔', assignable: '○', blocked: '✖', infrastructure: '▭',
};

/** Device classes that are infrastructure, not something to pass through: bridges (class 0x06). */
const isInfrastructureClass = (cls: number): boolean => cls >> 16 === 0x06;

export function isUserSpaceDriver(driver: string | null): boolean {
  return driver !== null && (driver === 'vfio-pci' || driver.endsWith('_vfio_pci'));
}

/** Endpoint members: not a bridge header and not a bridge class (host bridge, ISA bridge, ...). */
export function endpointsOf(g: GroupView): GroupView['devices'] {
  return g.devices.filter((d) => !d.bridge && !isInfrastructureClass(d.class));
}

export function groupVerdict(g: GroupView): Verdict {
  const endpoints = endpointsOf(g);
  if (endpoints.length === 0 && g.blockers.length === 0) return 'infrastructure';
  if (g.blockers.length > 0) return 'blocked';
  return endpoints.length > 0 && endpoints.every((d) => isUserSpaceDriver(d.driver)) ? 'ready' : 'assignable';
}

/** One line for the group's label: "✖ blocked by 01:00.0 (nvidia), 01:00.1 (snd_hda_intel)". */
export function verdictText(g: GroupView, v: Verdict): string {
  if (v !== 'blocked') return `${VERDICT_GLYPH[v]} ${v}`;
  const who = g.blockers.map((b) => (b.kind === 'in-use' ? `in use (${b.bdf.slice(5)})` : `${b.bdf.slice(5)} (${b.driver ?? '?'})`));
  const shown = who.slice(0, 2).join(', ') + (who.length > 2 ? ` +${who.length - 2}` : '');
  return `${VERDICT_GLYPH[v]} blocked by ${shown}`;
}

/** The short form for the box's label: "✖ blocked by nvidia +3" (the full list is in the details and the box's title). */
export function verdictLabel(g: GroupView, v: Verdict): string {
  if (v !== 'blocked') return `${VERDICT_GLYPH[v]} ${v}`;
  const first = g.blockers[0];
  const who = first === undefined ? '' : first.kind === 'in-use' ? 'a process' : first.driver ?? first.bdf.slice(5);
  return `${VERDICT_GLYPH[v]} blocked by ${who}${g.blockers.length > 1 ? ` +${g.blockers.length - 1}` : ''}`;
}
