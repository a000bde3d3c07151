import type { ConfigFacts } from './facts.js';
import type { Line } from './lines.js';
import type { FactSink } from './sink.js';

/** PCI_EXP_TYPE_* by the words `lspci -v` prints after "Express (vN)" (pciutils ls-caps.c cap_express). */
const EXPRESS_TYPES: readonly [RegExp, number][] = [
  [/Legacy Endpoint/, 1], [/Root Complex Integrated Endpoint/, 9], [/Root Complex Event Collector/, 10],
  [/Endpoint/, 0], [/Root Port/, 4], [/Upstream Port/, 5], [/Downstream Port/, 6],
  [/PCI-Express to PCI\/PCI-X Bridge/, 7], [/PCI\/PCI-X to PCI-Express Bridge/, 8],
];

/** ACS capability/control bits by the names lspci prints (include/uapi/linux/pci_regs.h PCI_ACS_*). */
const ACS_BITS: Readonly<Record<string, number>> = {
  SrcValid: 0x01, TransBlk: 0x02, ReqRedir: 0x04, CmpltRedir: 0x08, UpstreamFwd: 0x10, EgressCtrl: 0x20, DirectTrans: 0x40,
};

export function acsWord(text: string): number {
  let w = 0;
  for (const m of text.matchAll(/([A-Za-z]+)([+-])/g)) {
    const bit = ACS_BITS[m[1] as string];
    if (bit !== undefined && m[2] === '+') w |= bit;
  }
  return w;
}

/** What the indented lines below one device told, before they become facts. */
export interface AttrSummary {
  /** A -k line (driver in use or modules) was seen. */
  readonly kernelLines: boolean;
  /** Capability lines, Flags or Bus lines were seen (`lspci -v` or more). */
  readonly verbose: boolean;
  /** `....` or `[...]`: the block was shortened by whoever pasted it. */
  readonly elided: boolean;
  readonly driverSeen: boolean;
  readonly subsystem: boolean;
  readonly groupSeen: boolean;
}

/**
 * Reads the indented lines lspci prints below a device (`-k`, `-v`, `-vv`, `-vvv`) into facts on
 * `bdf`: Subsystem, Kernel driver in use / Kernel modules, `IOMMU group` (Flags or its own line),
 * Bus numbers, the Express port type, FLReset, ACSCap/ACSCtl, SR-IOV counts, `<access denied>`.
 * Config facts are set only when the capability list was shown in full (else ACS stays unknown).
 */
export function readLspciAttributes(sink: FactSink, bdf: string, lines: readonly Line[]): AttrSummary {
  let groupSeen = false, kernelLines = false, verbose = false, elided = false, driverSeen = false, denied = false, capsSeen = false, extSeen = false;
  let express: { offset: number; type: number; flr: boolean } | null = null;
  let acs: { offset: number; cap: number | null; ctl: number | null } | null = null;
  let sriov: { offset: number; totalVfs: number | null; numVfs: number | null; vfOffset: number | null; vfStride: number | null } | null = null;
  let buses: ConfigFacts['buses'] = null;
  let subsystem: ConfigFacts['subsystem'] = null;
  let current: 'acs' | 'sriov' | 'express' | null = null;
  let firstLine = 0;
  for (const { n, text } of lines) {
    const t = text.trim();
    if (firstLine === 0) firstLine = n;
    let m: RegExpExecArray | null;
    if (/^(\.{3,}|\[\.\.\.\]|…)$/.test(t)) { elided = true; continue; }
    if ((m = /^Kernel driver in use:\s*(\S+)/.exec(t))) {
      kernelLines = true; driverSeen = true;
      sink.set(bdf, 'driver', m[1] as string, sink.at(n, 'lspci -k'));
    } else if ((m = /^Kernel modules:\s*(.*)$/.exec(t))) {
      kernelLines = true;
      sink.set(bdf, 'modules', (m[1] as string).split(/,\s*/).filter((x) => x !== ''), sink.at(n, 'lspci -k'));
    } else if ((m = /^Subsystem:.*\[([0-9a-f]{4}):([0-9a-f]{4})\]\s*$/i.exec(t))) {
      subsystem = { vendor: parseInt(m[1] as string, 16), device: parseInt(m[2] as string, 16) };
      sink.set(bdf, 'subsystem', subsystem, sink.at(n, 'lspci'));
    } else if ((m = /^IOMMU group:?\s*([0-9]+)$/i.exec(t))) {
      groupSeen = true;
      sink.set(bdf, 'group', parseInt(m[1] as string, 10), sink.at(n, 'lspci -v'));
    } else if (/^Flags:/.test(t)) {
      verbose = true;
      const g = /IOMMU group (\d+)/.exec(t);
      if (g) { groupSeen = true; sink.set(bdf, 'group', parseInt(g[1] as string, 10), sink.at(n, 'lspci -v')); }
    } else if ((m = /^Bus: primary=([0-9a-f]{2}), secondary=([0-9a-f]{2}), subordinate=([0-9a-f]{2})/i.exec(t))) {
      verbose = true;
      buses = { primary: parseInt(m[1] as string, 16), secondary: parseInt(m[2] as string, 16), subordinate: parseInt(m[3] as string, 16) };
      sink.set(bdf, 'busRange', { secondary: buses.secondary, subordinate: buses.subordinate }, sink.at(n, 'lspci -v'));
    } else if (/^Status:.*\bCap-/.test(t)) {
      verbose = true; capsSeen = true; // no capability list at all: known, and empty
    } else if (/^Capabilities:\s*<access denied>/.test(t)) {
      verbose = true; denied = true;
    } else if ((m = /^Capabilities:\s*\[([0-9a-f]+)(?: v\d+)?\]\s*(.*)$/i.exec(t))) {
      verbose = true; capsSeen = true;
      const offset = parseInt(m[1] as string, 16);
      const what = m[2] as string;
      if (offset >= 0x100) extSeen = true;
      current = null;
      if (/^Express\b/.test(what)) {
        express = { offset, type: expressType(what), flr: false };
        current = 'express';
      } else if (/Access Control Services/.test(what)) {
        acs = { offset, cap: null, ctl: null };
        current = 'acs';
      } else if (/Single Root I\/O Virtualization/.test(what)) {
        sriov = { offset, totalVfs: null, numVfs: null, vfOffset: null, vfStride: null };
        current = 'sriov';
      }
    } else if (/^Express\b.*(Port|Endpoint|Bridge)/.test(t) && express === null) {
      // The iommu-list variant prints the port type alone, without the Capabilities header.
      express = { offset: 0x40, type: expressType(t), flr: false };
      current = 'express';
      capsSeen = true;
    } else if ((m = /^ACSCap:\s*(.*)$/.exec(t))) {
      if (acs === null) { acs = { offset: 0x100, cap: null, ctl: null }; capsSeen = true; extSeen = true; }
      acs.cap = acsWord(m[1] as string);
    } else if ((m = /^ACSCtl:\s*(.*)$/.exec(t))) {
      if (acs === null) { acs = { offset: 0x100, cap: null, ctl: null }; capsSeen = true; extSeen = true; }
      acs.ctl = acsWord(m[1] as string);
    } else if (current === 'express' && express && /^DevCap:/.test(t)) {
      express.flr = /FLReset\+/.test(t);
    } else if (current === 'sriov' && sriov && (m = /Total VFs:\s*(\d+),\s*Number of VFs:\s*(\d+)/.exec(t))) {
      sriov.totalVfs = parseInt(m[1] as string, 10);
      sriov.numVfs = parseInt(m[2] as string, 10);
    } else if (current === 'sriov' && sriov && (m = /VF offset:\s*(\d+),\s*stride:\s*(\d+)/.exec(t))) {
      sriov.vfOffset = parseInt(m[1] as string, 10);
      sriov.vfStride = parseInt(m[2] as string, 10);
    }
  }
  const at = (): ReturnType<FactSink['at']> => sink.at(firstLine, 'lspci -v');
  if (denied) sink.set(bdf, 'config', 'denied', at());
  else if (capsSeen || buses !== null) {
    const acsKnown = acs !== null ? (acs.cap !== null && acs.ctl !== null) : !elided && (express === null || extSeen || capsSeen);
    const sriovKnown = sriov === null || (sriov.totalVfs !== null && sriov.numVfs !== null);
    if (acsKnown && sriovKnown && !(elided && acs === null)) {
      sink.set(bdf, 'config', {
        headerType: buses !== null ? 1 : null,
        multifunction: null,
        express,
        acs: acs !== null ? { offset: acs.offset, cap: acs.cap ?? 0, ctl: acs.ctl ?? 0 } : 'absent',
        sriov: sriov !== null ? { offset: sriov.offset, totalVfs: sriov.totalVfs ?? 0, numVfs: sriov.numVfs ?? 0, vfOffset: sriov.vfOffset, vfStride: sriov.vfStride } : null,
        buses,
        subsystem,
      }, at());
    } else {
      sink.warn(firstLine, `${bdf}: capabilities shown only in part (${acs !== null ? 'ACS without ACSCap/ACSCtl bits: run lspci -vvv as root' : 'shortened'}); ACS is unknown`);
      if (buses !== null) sink.set(bdf, 'config', { headerType: 1, multifunction: null, express: null, acs: 'unknown', sriov: null, buses, subsystem }, at());
    }
  }
  return { kernelLines, verbose, elided, driverSeen, subsystem: subsystem !== null, groupSeen };
}

function expressType(what: string): number {
  for (const [re, type] of EXPRESS_TYPES) if (re.test(what)) return type;
  return 0;
}
