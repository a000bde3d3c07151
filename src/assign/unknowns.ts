import type { Blocker, DeviceView, GroupView, HostView } from './inspect.js';

/** What an imported paste did not say, per BDF (from the capture's `partial` section). */
export interface UnknownFacts {
  readonly driver: ReadonlySet<string>;
  readonly group: ReadonlySet<string>;
  readonly config: ReadonlySet<string>;
  /** The pastes the host came from, for messages: 'groups.txt + lspci-nnk.txt'. */
  readonly source: string;
}

/**
 * Marks a view built from an import where the pastes were silent: a member whose driver is unknown
 * has role 'unknown' (never "unbound"), its group is not assignable and its ownership is unknown, with
 * a blocker that says which fact is missing. Devices keep the list of their unknown facts.
 */
export function markUnknown(view: HostView, u: UnknownFacts): HostView {
  const dev = (d: DeviceView): DeviceView => {
    const unknown = [u.driver.has(d.bdf) ? 'driver' : null, u.group.has(d.bdf) ? 'group' : null, u.config.has(d.bdf) ? 'config' : null]
      .filter((x): x is string => x !== null);
    if (unknown.length === 0) return d;
    return unknown.includes('driver')
      ? { ...d, unknown, role: 'unknown', driver: null, blocks: false, exempt: null }
      : { ...d, unknown };
  };
  const groups = view.groups.map((g): GroupView => {
    const devices = g.devices.map(dev);
    const unknown = devices.filter((d) => d.role === 'unknown');
    if (unknown.length === 0) return devices.some((d, i) => d !== g.devices[i]) ? { ...g, devices } : g;
    const blockers: Blocker[] = [...g.blockers, ...unknown.map((d): Blocker => ({
      bdf: d.bdf, driver: null, kind: 'unknown',
      why: `which driver ${d.bdf} is bound to is unknown: ${u.source} does not say`,
    }))];
    return { ...g, devices, blockers, assignable: false, ownership: g.ownership === 'user' ? 'user' : g.ownership === 'kernel' ? 'kernel' : 'unknown' };
  });
  return { ...view, groups, ungrouped: view.ungrouped.map(dev) };
}
