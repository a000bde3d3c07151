import { BDF_AT_START, fullBdf } from './facts.js';
import { indentOf, type Line } from './lines.js';
import { readLspciAttributes, type AttrSummary } from './lspci-attrs.js';
import { parseLspciDescription } from './lspci-line.js';
import { grepFiltered, type ParseContext } from './parse-context.js';

/**
 * `lspci`, `lspci -nn`, `-nnk`, `-k`, `-v`, `-vv`, `-vvv` (and `-D`): a device line at column 0
 * (`01:00.0 VGA compatible controller [0300]: …`) followed by its indented lines.
 *
 * Drivers: when the paste carries `-k` lines at all, a device shown in full without "Kernel driver
 * in use" is unbound (lspci prints the line whenever a driver is bound); "Kernel modules" is never
 * the bound driver. A block with no indented lines in a `-k` paste, a shortened block, or a paste
 * piped through grep leaves the driver unknown.
 */
export function parseLspciText(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  const blocks: { bdf: string; line: Line; attrs: AttrSummary; body: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as Line;
    if (used.has(l.n) || indentOf(l.text) !== 0) continue;
    const m = BDF_AT_START.exec(l.text);
    if (!m) continue;
    const bdf = fullBdf(m[1] as string);
    const desc = parseLspciDescription(l.text.slice(m[0].length));
    if (bdf === null || desc === null) continue;
    used.add(l.n);
    sink.set(bdf, 'ids', desc, sink.at(l.n, 'lspci'));
    const body: Line[] = [];
    while (i + 1 < lines.length) {
      const next = lines[i + 1] as Line;
      if (used.has(next.n) || indentOf(next.text) === 0) break;
      body.push(next);
      used.add(next.n);
      i++;
    }
    blocks.push({ bdf, line: l, attrs: readLspciAttributes(sink, bdf, body), body: body.length });
  }
  if (blocks.length === 0) return;
  const filtered = grepFiltered(ctx, /\blspci\b/);
  // pciutils ≥ 3.7 prints "IOMMU group" in -v for every function that has one.
  if (!filtered && blocks.some((b) => b.attrs.groupSeen)) {
    for (const b of blocks) if (!b.attrs.groupSeen && b.attrs.verbose && !b.attrs.elided) sink.set(b.bdf, 'group', null, sink.at(b.line.n, 'lspci -v'));
  }
  const kPaste = blocks.some((b) => b.attrs.kernelLines);
  if (!kPaste) return;
  const full = blocks.filter((b) => b.body > 0).length;
  // Unfiltered lspci prints "Subsystem:" for most functions; a grep keeps few of them. Then an
  // empty block is a function with nothing to show (no subsystem, no driver): unbound.
  const complete = !filtered && blocks.filter((b) => b.attrs.subsystem).length * 2 >= blocks.length;
  for (const b of blocks) {
    if (b.attrs.driverSeen) continue;
    if (!filtered && !b.attrs.elided && (b.body > 0 || complete)) {
      sink.set(b.bdf, 'driver', null, sink.at(b.line.n, 'lspci -k'));
    } else if (full > 0) {
      sink.warn(b.line.n, `${b.bdf}: no "Kernel driver in use" line, but the block is ${filtered ? 'filtered by grep' : b.attrs.elided ? 'shortened' : 'empty'}; its driver is unknown`);
    }
  }
}
