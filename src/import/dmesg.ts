import { filterCmdline } from '../host/describe.js';
import { fullBdf } from './facts.js';
import { grepFiltered, type ParseContext } from './parse-context.js';

/** `[    0.123456] `, `[Mon Dec  1 10:00:00 2026] `, `Dec 01 10:00:00 host kernel: `, `kernel: `. */
const PREFIX_RE = /^\s*(?:<\d+>)?(?:\[\s*[0-9.]+\]\s*|\[[A-Z][a-z]{2} [^\]]+\]\s*|[A-Z][a-z]{2}\s+\d+\s+[\d:]+\s+\S+\s+kernel:\s*|kernel:\s*)/;
const NEW_GROUP_RE = /^pci ([0-9a-f:.]+): Adding to iommu group (\d+)$/i;
const OLD_GROUP_RE = /^iommu: Adding device ([0-9a-f:.]+) to group (\d+)$/i;
const ENUM_RE = /^pci ([0-9a-f:.]+): \[([0-9a-f]{4}):([0-9a-f]{4})\] type ([0-9a-f]{2}) class 0x([0-9a-f]{6})/i;
const BRIDGE_RE = /^pci ([0-9a-f:.]+): PCI bridge to \[bus ([0-9a-f]{2})(?:-([0-9a-f]{2}))?\]/i;
const ON_RE: readonly [RegExp, 'intel' | 'amd' | 'other'][] = [
  [/^DMAR: IOMMU enabled/, 'intel'], [/^DMAR: Intel\(R\) Virtualization Technology for Directed I\/O/, 'intel'],
  [/^DMAR: dmar\d+: reg_base_addr/, 'intel'], [/AMD-Vi: Found IOMMU/, 'amd'], [/^AMD-Vi: Interrupt remapping enabled/, 'amd'],
  [/^AMD-Vi: AMD IOMMUv2 loaded/, 'amd'], [/^arm-smmu(-v3)?\b.*probing hardware configuration/, 'other'],
];
const OFF_RE = /^DMAR: IOMMU disabled|^AMD-Vi: (?:AMD IOMMU disabled|Disabling IOMMU)|^DMAR: Disable GFX device mapping|^PCI-DMA: Using software bounce buffering for IO \(SWIOTLB\)/;

/**
 * Kernel log lines: the group lines of both styles (`pci 0000:00:1c.7: Adding to iommu group 17`,
 * ≥ 5.x; `iommu: Adding device 0000:00:02.0 to group 1`, older), the enumeration lines (ids, header
 * type, class, bridge bus ranges), `Linux version`, the command line, and the DMAR / AMD-Vi lines that
 * say whether the IOMMU is on. A kernel log that shows the IOMMU but no group line was cut (a
 * case-sensitive `grep -e DMAR -e IOMMU` drops every "Adding to iommu group" line): reported as such.
 */
export function parseDmesg(ctx: ParseContext): void {
  const { lines, used, sink } = ctx;
  let groupLines = 0, logLines = 0, firstLog = 0;
  for (const l of lines) {
    if (used.has(l.n)) continue;
    const p = PREFIX_RE.exec(l.text);
    const t = (p ? l.text.slice(p[0].length) : l.text).trim();
    let m: RegExpExecArray | null;
    let took = true;
    const at = () => sink.at(l.n, 'dmesg');
    if ((m = NEW_GROUP_RE.exec(t) ?? OLD_GROUP_RE.exec(t))) {
      const bdf = fullBdf(m[1] as string);
      if (bdf === null) took = false;
      else { sink.set(bdf, 'group', parseInt(m[2] as string, 10), at()); groupLines++; }
    } else if ((m = ENUM_RE.exec(t))) {
      const bdf = fullBdf(m[1] as string);
      if (bdf === null) took = false;
      else {
        const cls = parseInt(m[5] as string, 16);
        sink.set(bdf, 'ids', { class: cls >> 8, progIf: cls & 0xff, vendor: parseInt(m[2] as string, 16), device: parseInt(m[3] as string, 16), revision: null, name: '' }, at());
      }
    } else if ((m = BRIDGE_RE.exec(t))) {
      const bdf = fullBdf(m[1] as string);
      if (bdf === null) took = false;
      else sink.set(bdf, 'busRange', { secondary: parseInt(m[2] as string, 16), subordinate: parseInt(m[3] ?? m[2] as string, 16) }, at());
    } else if ((m = /^Linux version (\S+)/.exec(t))) {
      sink.setHost('kernel', m[1] as string, at());
    } else if ((m = /^(?:Kernel )?[Cc]ommand line:\s*(.*)$/.exec(t))) {
      sink.setHost('cmdline', filterCmdline((m[1] as string).split(/\s+/)), at());
    } else if (OFF_RE.test(t)) {
      sink.setHost('iommu', 'off', at());
    } else {
      const on = ON_RE.find(([re]) => re.test(t));
      if (on) {
        sink.setHost('iommu', 'on', at());
        sink.setHost('iommuKind', on[1], at());
      } else if (/ACS workaround enabled|ACS quirk|Default domain type:/.test(t)) {
        sink.note(l.n, `kernel log: ${t}`);
      } else if (p === null || !/^(DMAR|AMD-Vi|iommu|pci |IOMMU|vfio)/i.test(t)) took = false;
    }
    if (took) {
      used.add(l.n);
      logLines++;
      if (firstLog === 0) firstLog = l.n;
    }
  }
  if (logLines > 0 && groupLines === 0 && sink.host.iommu?.value === 'on') {
    const grep = grepFiltered(ctx, /\b(dmesg|journalctl)\b/) ? 'the command greps' : 'probably filtered with a case-sensitive grep (`grep -e DMAR -e IOMMU` drops "Adding to iommu group" lines)';
    sink.warn(firstLog, `kernel log shows the IOMMU but no group lines: ${grep}; the groups are unknown, not absent (use \`dmesg | grep -i iommu\` or the group listing)`);
  }
}
