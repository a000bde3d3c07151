import type { DmaHolder } from '../../host/processes.js';
import type { GroupView, HostView } from '../../assign/inspect.js';
import type { GroupStatus } from '../../assign/group-state.js';
import type { GroupReasons } from '../../assign/why.js';
import type { Colors } from '../io.js';
import { deviceLine, shortBdf } from './device.js';
import { wrap } from './fit.js';
import { createColors } from 'picocolors';

const noColors = createColors(false);

export function eraText(v: HostView): string {
  return v.era === 'ownership'
    ? 'DMA ownership rules of 5.19+: a bound driver without driver_managed_dma blocks the group'
    : 'legacy VFIO viability of 5.10-5.18: only unbound, bridges, pci-stub and vfio drivers are allowed';
}

/** `qemu-system-x86[4242] /dev/vfio/7`, `cloud-hypervisor[200] /dev/vfio/devices/vfio0 (01:00.0)`. */
export function holderText(h: DmaHolder): string {
  return `${h.comm}[${h.pid}] ${h.path}${h.bdf !== null ? ` (${shortBdf(h.bdf)})` : ''}`;
}

/** The warning every verdict carries when the kernel was booted with the out-of-tree ACS override. */
export function acsOverrideWarning(v: HostView): string | null {
  return v.acsOverride === null ? null
    : `${v.acsOverride} is on the kernel command line: these groups are split by a patch that pretends ACS isolation the hardware does not have. ` +
      'Devices in "separate" groups can still reach each other by peer-to-peer DMA, so a VM can read or corrupt host memory used by its neighbours.';
}

const OWNER: Readonly<Record<GroupView['ownership'], string>> = { kernel: 'kernel-owned', user: 'user-owned', idle: 'idle', unknown: 'owner unknown' };

export function groupHeader(g: GroupView, s: GroupStatus, c: Colors): string {
  const who = (b: GroupView['blockers'][number]): string => (b.kind === 'in-use' ? 'a process' : `${shortBdf(b.bdf)} (${b.driver})`);
  const verdict = s.state === 'ready' ? c.green('ready: on vfio, user space can open it now')
    : s.state === 'free' ? c.green('assignable now: nothing on a kernel driver')
    : s.state === 'in-use' ? c.magenta(`in use by ${g.holders.map(holderText).join(', ')}`)
    : s.state === 'needs-rebind' ? c.yellow(g.blockers.length === 1 ? `held by a host driver: ${who(g.blockers[0]!)}` : `held by host drivers on ${g.blockers.length} members`)
    : s.state === 'refused' ? c.red(`blocked: ${s.refusals.map((r) => r.why).join('; ')}`)
    : s.state === 'unknown' ? c.yellow(`unknown: ${[
      ...(g.devices.some((d) => d.role === 'unknown') ? [`the driver of ${g.devices.filter((d) => d.role === 'unknown').map((d) => shortBdf(d.bdf)).join(', ')} is not in the paste`] : []),
      ...(g.blockers.some((b) => b.kind === 'unknown' && / may have members /.test(b.why)) ? ['the pasted listing is partial (group numbers missing)'] : []),
    ].join('; ')}`)
    : c.dim('infrastructure');
  return `${c.bold(`IOMMU group ${g.id}`)}  ${OWNER[g.ownership]}  ${verdict}`;
}

/** Who holds /dev/iommu, and which groups through it; and how much of /proc was seen. */
export function holderLines(v: HostView): string[] {
  const out = v.iommufdHolders.map((h) => h.groups.length > 0
    ? `/dev/iommu held by ${h.comm}[${h.pid}], which also holds group ${h.groups.join(', ')} (user-owned through iommufd)`
    : `/dev/iommu held by ${h.comm}[${h.pid}] with no VFIO group or device file open: an iommufd context alone owns no IOMMU group`);
  if (v.holdersSeen === 'some') out.push('Not root: open /dev/vfio and /dev/iommu files of other users\' processes are not seen (owners may be missing).');
  if (v.holdersSeen === 'none') out.push('Which process holds a group is not known here (no /proc: a capture or a sample).');
  return out;
}

export interface StatusLayout {
  readonly width: number;
  /** Also list infrastructure-only groups. */
  readonly all: boolean;
}

/** The footer: "14 groups with devices: 3 ready, 2 assignable now, 6 held by host drivers, 3 blocked". */
export function totalsLine(states: readonly GroupStatus[]): string {
  const n = (s: GroupStatus['state']): number => states.filter((x) => x.state === s).length;
  const endpoint = states.length - n('infrastructure');
  const parts = [`${n('ready')} ready`, `${n('free')} assignable now`, `${n('needs-rebind')} held by host drivers`, `${n('refused')} blocked`];
  if (n('in-use') > 0) parts.push(`${n('in-use')} in use`);
  if (n('unknown') > 0) parts.push(`${n('unknown')} unknown (a member's driver is not in the paste)`);
  return `${endpoint} group${endpoint === 1 ? '' : 's'} with devices: ${parts.join(', ')}.`;
}

export function renderStatus(v: HostView, states: readonly GroupStatus[], label: string, c: Colors, why: GroupReasons, layout: StatusLayout): string {
  const w = layout.width;
  const lines = [c.bold(`${label}: kernel ${v.kernel}`), c.dim(eraText(v))];
  if (v.modelNote) lines.push(c.dim(v.modelNote));
  const acs = acsOverrideWarning(v);
  if (acs) lines.push(...wrap(`warning: ${acs}`, w, '  ').map((l) => c.yellow(l)));
  lines.push('');
  v.groups.forEach((g, i) => {
    const s = states[i];
    if (!s || (s.state === 'infrastructure' && !layout.all)) return;
    // The colour codes do not take room: wrap at the width plus their length (none without colour).
    const head = groupHeader(g, s, c);
    const plain = c !== noColors && c.isColorSupported !== false ? groupHeader(g, s, noColors) : head;
    lines.push(...wrap(head, w + (head.length - plain.length), '    '));
    const reasons = g.devices.length > 1 ? why(g.id) : [];
    if (reasons.length > 0) lines.push(...wrap(`  why shared: ${reasons.join('; ')}`, w, '    ').map((l) => c.dim(l)));
    for (const d of g.devices) lines.push(deviceLine(d, c, w));
  });
  const groupUnknown = v.ungrouped.filter((d) => d.unknown?.includes('group'));
  const noGroup = v.ungrouped.filter((d) => !d.unknown?.includes('group'));
  if (noGroup.length) {
    lines.push(c.bold('Devices without an IOMMU group'));
    for (const d of noGroup) {
      lines.push(deviceLine(d, c, w));
      // arm-smmu-v3: why this one has none (a stream ID another device holds, or never probed).
      if (d.noGroup) lines.push(...wrap(`           ${d.noGroup.why}`, w, '           ').map((l) => c.dim(l)));
    }
  }
  if (groupUnknown.length) {
    lines.push(c.bold(c.yellow('Devices whose IOMMU group is unknown (not in the pasted output)')));
    for (const d of groupUnknown) lines.push(deviceLine(d, c, w));
  }
  lines.push('', totalsLine(states));
  const infra = states.filter((s) => s.state === 'infrastructure').length;
  if (infra > 0) {
    lines.push(c.dim(layout.all ? `${infra} infrastructure groups (bridges, ports, host bridges, IOMMU, dummy functions) are listed too.`
      : `${infra} infrastructure groups (bridges, ports, host bridges, IOMMU, dummy functions) not listed: --all shows them.`));
  }
  for (const l of holderLines(v)) lines.push(c.dim(l));
  return `${lines.join('\n')}\n`;
}
