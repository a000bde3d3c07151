import { groupStatus, type GroupState, type GroupStatus } from '../assign/group-state.js';
import type { GroupView, HostView } from '../assign/inspect.js';
import type { Refusal } from '../assign/plan.js';

/**
 * A group's verdict as the report draws it: the one verdict `dmaown` gives (`groupStatus`, the
 * states `status` lists), each with a colour, a stroke, a glyph and words:
 * - ready: viable, an endpoint already on vfio — a VMM can open it now;
 * - assignable: viable, nothing on a kernel driver — binding is all it takes ("assignable now");
 * - held: endpoints or members on host drivers; a plan moving the whole group is not refused;
 * - blocked: that plan is refused (host-critical member, SR-IOV PF with VFs, bridge on a DMA driver, …);
 * - in-use: a process holds the group's VFIO files;
 * - infrastructure: no endpoint function (bridges, ports, host bridges, …);
 * - unknown: an imported paste does not say which driver a member has.
 */
export type Verdict = 'ready' | 'assignable' | 'held' | 'blocked' | 'in-use' | 'infrastructure' | 'unknown';

export const VERDICTS: readonly Verdict[] = ['ready', 'assignable', 'held', 'blocked', 'in-use', 'infrastructure', 'unknown'];

const OF_STATE: Readonly<Record<GroupState, Verdict>> = {
  ready: 'ready', free: 'assignable', 'needs-rebind': 'held', refused: 'blocked', 'in-use': 'in-use', infrastructure: 'infrastructure', unknown: 'unknown',
};

export const VERDICT_GLYPH: Readonly<Record<Verdict, string>> = {
  ready: '✔', assignable: '○', held: '✖', blocked: '⊘', 'in-use': '●', infrastructure: '▭', unknown: '?',
};

/** The legend's words for each verdict (the status footer's words). */
export const VERDICT_WORDS: Readonly<Record<Verdict, string>> = {
  ready: 'ready', assignable: 'assignable now', held: 'held by host drivers', blocked: 'blocked', 'in-use': 'in use', infrastructure: 'infrastructure', unknown: 'unknown',
};

export interface GroupVerdict {
  readonly verdict: Verdict;
  readonly status: GroupStatus;
}

/** The verdict of one group, asked on a view of that group alone (groupStatus plans the group: O(group), not O(host)). */
export function groupVerdict(view: HostView, g: GroupView): GroupVerdict {
  const status = groupStatus({ ...view, groups: [g], ungrouped: [] }, g);
  return { verdict: OF_STATE[status.state], status };
}

const REFUSAL_WORDS: Readonly<Partial<Record<Refusal['code'], string>>> = {
  'sriov-pf': 'SR-IOV PF with VFs', 'host-critical': 'host-critical', 'blocking-bridge': 'bridge on a DMA driver', bridge: 'a bridge', 'in-use': 'in use',
};

const who = (b: GroupView['blockers'][number]): string => (b.kind === 'in-use' ? 'a process' : `${b.bdf.slice(5)} (${b.driver ?? '?'})`);

/** The verdict in full, for the details: "✖ held by host drivers: 01:00.0 (nvidia), 01:00.1 (snd_hda_intel) +2". */
export function verdictText(g: GroupView, v: GroupVerdict): string {
  const glyph = VERDICT_GLYPH[v.verdict];
  switch (v.verdict) {
    case 'held': {
      const list = g.blockers.map(who);
      return `${glyph} held by host drivers: ${list.slice(0, 2).join(', ')}${list.length > 2 ? ` +${list.length - 2}` : ''}`;
    }
    case 'blocked': return `${glyph} blocked: ${v.status.refusals.map((r) => r.why).join('; ')}`;
    case 'in-use': return `${glyph} in use by ${g.holders.map((h) => `${h.comm}[${h.pid}]`).join(', ')}`;
    case 'unknown': return `${glyph} unknown: the source does not say which driver a member has`;
    default: return `${glyph} ${VERDICT_WORDS[v.verdict]}`;
  }
}

/** The short form for the box's label: "✖ held by nvidia +3", "⊘ blocked: SR-IOV PF with VFs". */
export function verdictLabel(g: GroupView, v: GroupVerdict): string {
  const glyph = VERDICT_GLYPH[v.verdict];
  if (v.verdict === 'held') {
    const first = g.blockers[0];
    const name = first === undefined ? '' : first.kind === 'in-use' ? 'a process' : first.driver ?? first.bdf.slice(5);
    return `${glyph} held by ${name}${g.blockers.length > 1 ? ` +${g.blockers.length - 1}` : ''}`;
  }
  if (v.verdict === 'blocked') return `${glyph} blocked: ${[...new Set(v.status.refusals.map((r) => REFUSAL_WORDS[r.code] ?? r.code))].join(', ')}`;
  if (v.verdict === 'in-use') return `${glyph} in use by ${g.holders[0]?.comm ?? 'a process'}`;
  return `${glyph} ${VERDICT_WORDS[v.verdict]}`;
}
