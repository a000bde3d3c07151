import type { Command } from 'commander';
import { colorsFor, EXIT, printJson, type CliIo } from '../io.js';
import { answerNoGroups, hostJson, loadView, selectionOf, type HostOptions } from '../host-options.js';

/**
 * `dmaown explain [GROUP|BDF]`: why devices share IOMMU groups — the kernel's pci_device_group() run on
 * this host's topology (DMA aliases, ACS path, multifunction without ACS, ACS quirks), compared with the
 * groups the kernel made. Exit 1 when the prediction disagrees with the kernel, 2 on bad input.
 */
export async function runExplain(target: string | undefined, o: HostOptions, io: CliIo): Promise<number> {
  const c = colorsFor(io, o.color);
  const sel = selectionOf(o);
  if (typeof sel === 'string') { io.err(`dmaown explain: ${sel}\n`); return EXIT.usage; }
  const r = await loadView(o, io, sel);
  if (!r.ok) { io.err(`dmaown explain: ${r.why}\n`); return EXIT.usage; }
  const none = await answerNoGroups(r.value, o, io, { schema: 'dmaown-explain/1', groups: [], mismatches: [] });
  if (none !== null) return none;
  const { explainHost } = await import('../../host/explain.js');
  const partial = r.value.loaded.partial;
  const all = partial === null ? explainHost(r.value.loaded.host)
    : (await import('../../assign/unknowns.js')).explainUnknowns(explainHost(r.value.loaded.host), { parent: partial.unknownParent, ids: partial.unknownIds });
  let groups = all.groups;
  // A target narrows the functions outside every group too: those on the target group's requester IDs, or the target.
  let outsideOf: (w: { bdf: string; group: number; member: string }) => boolean = () => true;
  if (target !== undefined) {
    const { parseBdfs } = await import('../../assign/bdf.js');
    if (/^\d+$/.test(target)) {
      const id = Number(target);
      if (!r.value.loaded.host.groups.some((g) => g.id === id)) { io.err(`dmaown explain: no IOMMU group ${id} on ${r.value.loaded.label}\n`); return EXIT.usage; }
      groups = groups.filter((g) => g.group === id);
      outsideOf = (w) => w.group === id;
    } else {
      const p = parseBdfs([target]);
      if (!p.ok) { io.err(`dmaown explain: ${p.why}\n`); return EXIT.usage; }
      const bdf = p.value[0] ?? '';
      if (!r.value.loaded.host.pci.some((d) => d.bdf === bdf)) { io.err(`dmaown explain: no PCI device ${bdf} on ${r.value.loaded.label}\n`); return EXIT.usage; }
      groups = groups.filter((g) => g.members.includes(bdf) || g.predicted.includes(bdf));
      outsideOf = (w) => w.bdf === bdf || groups.some((g) => g.members.includes(w.member));
    }
  }
  const why = all.outside.why.filter(outsideOf);
  const shown = (b: string): boolean => target === undefined || why.some((w) => w.bdf === b);
  const outside = { predicted: all.outside.predicted.filter(shown), kernel: all.outside.kernel.filter(shown), why };
  const x = { ...all, groups, outside };
  // A target alone in its group: say so of that group, not of the host (why it is alone is not derived yet).
  let alone: string | null = null;
  let aloneJson: { group: number; device: string; reasons: string[] } | null = null;
  if (target !== undefined && groups.length === 0) {
    const id = /^\d+$/.test(target) ? Number(target) : r.value.loaded.host.pci.find((d) => d.bdf === (target.length <= 7 ? `0000:${target}` : target))?.iommuGroup ?? null;
    const members = r.value.loaded.host.pci.filter((d) => id !== null && d.iommuGroup === id).map((d) => d.bdf);
    alone = id === null ? `${target} has no IOMMU group.` : `IOMMU group ${id} holds only ${members.map((b) => (b.startsWith('0000:') ? b.slice(5) : b)).join(' ')}: nothing shares it.`;
    if (id !== null && members.length === 1) {
      const { whyAlone } = await import('../../host/explain.js');
      const reasons = whyAlone(r.value.loaded.host, members[0]!);
      aloneJson = { group: id, device: members[0]!, reasons };
      alone += reasons.map((w) => `\n  - ${w}`).join('');
    }
  }
  if (o.json) printJson(io, { schema: 'dmaown-explain/1', host: hostJson(r.value), ...x, ...(aloneJson ? { alone: aloneJson } : {}) });
  else io.out(`${r.value.loaded.label}: kernel ${r.value.view.kernel}\n${(await import('../render/explain.js')).renderExplain(x, c, alone, (await import('../render/fit.js')).proseWidth(o.wide, io.columns, io.env))}`);
  return all.mismatches.length > 0 ? EXIT.negative : EXIT.ok;
}

export function defineExplain(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd.argument('[group-or-bdf]', 'an IOMMU group number or a PCI device (default: every multi-device group)')
    .action(async (t: string | undefined, _o: unknown, self: Command) => { done(await runExplain(t, self.optsWithGlobals<HostOptions>(), io)); });
}
