import { fullBdf, type PasteFormat } from './facts.js';
import { indentOf, type Line } from './lines.js';
import { readLspciAttributes, type AttrSummary } from './lspci-attrs.js';
import { parseLspciDescription } from './lspci-line.js';
import type { ParseContext } from './parse-context.js';

/** `IOMMU Group 7:`, `IOMMU group 7`, `IOMMU Group   0: …` (ls-iommu), `IOMMU Group *`, `### Group 7 ###`. */
const HEADER_RE = /^\s*(?:IOMMU\s+[Gg]roup|###\s+Group)(\s+)(\d+|\*)\s*:?\s*(?:###)?(.*)$/;
/** iommu_viewer.sh: `Group:  2   0000:00:01.1 PCI bridge [0604]: … [1022:1483]   Driver: pcieport`. */
const VIEWER_RE = /^\s*Group:\s+(\d+)\s+(\S.*)$/;
/** A device path `0000:00:1c.3/08:00.0/09:01.0` or a BDF, then the lspci description. */
const DEVICE_RE = /^((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7](?:\/[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7])*)\s+(.*)$/;

/**
 * Group listings: the Arch-wiki loop (`IOMMU Group N:` then one indented `lspci -nns` line per
 * device), its one-line variant (`IOMMU Group N 00:02.0 VGA …`), ls-iommu and quickpassthrough
 * (`IOMMU Group   0: 0000:00:02.0 …`), iommu_viewer (`Group: N BDF … Driver: x`), with any case of
 * "group", with or without the colon, in any order (groups are numbers, not text).
 * `IOMMU Group *` means the loop's glob did not expand: the host has no groups at all.
 */
export function parseGroupListing(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  let group: { id: number | null; line: number; format: PasteFormat } | null = null;
  const withBody: { bdf: string; line: number; attrs: AttrSummary }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as Line;
    if (used.has(l.n)) continue;
    const h = HEADER_RE.exec(l.text);
    const v = h ? null : VIEWER_RE.exec(l.text);
    if (h || v) {
      const star = h !== null && h[2] === '*';
      const id = h ? (star ? null : parseInt(h[2] as string, 10)) : parseInt((v as RegExpExecArray)[1] as string, 10);
      const rest = (h ? h[3] as string : (v as RegExpExecArray)[2] as string).trim();
      const format: PasteFormat = v ? 'iommu-viewer' : rest === '' ? 'iommu-group-loop'
        : ((h?.[1] ?? ' ').length > 1 || /^[0-9a-f]{4,8}:/i.test(rest) || !DEVICE_RE.test(rest)) ? 'ls-iommu' : 'iommu-group-flat';
      if (star) sink.setHost('noGroups', true, sink.at(l.n, format));
      used.add(l.n);
      if (rest === '') {
        group = { id, line: l.n, format };
        continue;
      }
      group = null;
      deviceLine(ctx, l, rest, id, format);
      continue;
    }
    if (group !== null && indentOf(l.text) > 0) {
      used.add(l.n);
      const body: Line[] = [];
      const depth = indentOf(l.text);
      while (i + 1 < lines.length && !used.has((lines[i + 1] as Line).n) && indentOf((lines[i + 1] as Line).text) > depth) {
        body.push(lines[i + 1] as Line);
        used.add((lines[i + 1] as Line).n);
        i++;
      }
      const bdf = deviceLine(ctx, l, l.text.trim(), group.id, group.format);
      if (bdf !== null && body.length > 0) withBody.push({ bdf, line: l.n, attrs: readLspciAttributes(sink, bdf, body) });
      continue;
    }
    group = null;
  }
  // The loop with `lspci -nnks` under each group: as in an `lspci -k` paste, a device shown with its
  // lines but without "Kernel driver in use" is unbound.
  if (withBody.some((b) => b.attrs.kernelLines)) {
    for (const b of withBody) if (!b.attrs.driverSeen && !b.attrs.elided) sink.set(b.bdf, 'driver', null, sink.at(b.line, 'lspci -k'));
  }
}

/** One device of a listing: sets its group (and ids, driver, parents); answers its BDF. */
function deviceLine(ctx: ParseContext, l: Line, text: string, group: number | null, format: PasteFormat): string | null {
  const { sink } = ctx;
  let rest = text;
  let driver: string | null | undefined;
  const drv = /\s+Driver:\s*(\S*)\s*$/.exec(rest);
  if (drv) {
    driver = drv[1] === '' ? null : drv[1] as string; // iommu_viewer prints an empty Driver: for unbound
    rest = rest.slice(0, drv.index);
  }
  const m = DEVICE_RE.exec(rest);
  if (!m) {
    sink.warn(l.n, `a device of group ${group ?? '*'} without a PCI address (${JSON.stringify(rest.slice(0, 60))}): it cannot be placed; use a listing that prints the BDF`);
    return null;
  }
  const path = (m[1] as string).split('/');
  const domain = /^[0-9a-f]{4,8}:/i.test(path[0] as string) ? (path[0] as string).split(':')[0] as string : '0000';
  const bdfs = path.map((p, k) => fullBdf(k === 0 ? p : `${domain}:${p}`));
  if (bdfs.some((b) => b === null)) return null;
  const bdf = bdfs[bdfs.length - 1] as string;
  const at = sink.at(l.n, format);
  const desc = parseLspciDescription(m[2] as string);
  if (desc) sink.set(bdf, 'ids', desc, at);
  else sink.warn(l.n, `${bdf}: description not recognised (${JSON.stringify((m[2] as string).slice(0, 60))}); ids unknown`);
  sink.set(bdf, 'group', group, at); // null under `IOMMU Group *`: no groups at all
  if (driver !== undefined) sink.set(bdf, 'driver', driver, at);
  for (let k = 1; k < bdfs.length; k++) sink.set(bdfs[k] as string, 'parent', bdfs[k - 1] as string, at);
  return bdf;
}
