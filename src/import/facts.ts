/**
 * What a paste says about a host, fact by fact, each with where it was read (file, line, format).
 * A fact that no paste carried is absent from these records: *unknown*, never "none". A known
 * "none" is an explicit value (`driver: null` = unbound, `acs: 'absent'`).
 */

/** The formats the importers recognise (names as a user would type the command). */
export type PasteFormat =
  | 'iommu-group-loop' | 'iommu-group-flat' | 'ls-iommu' | 'iommu-viewer'
  | 'lspci' | 'lspci -k' | 'lspci -v' | 'lspci -vmm' | 'lspci -tv'
  | 'dmesg' | 'pvesh table' | 'pvesh json';

/** Where a fact was read: the input's name, its 1-based line, and the format of that line. */
export interface Where {
  readonly file: string;
  readonly line: number;
  readonly format: PasteFormat;
}

export interface Fact<T> {
  readonly value: T;
  readonly from: Where;
}

/** The ids of an `lspci -nn` line: class (16-bit base+sub, with prog-if when known), vendor:device, revision. */
export interface IdFacts {
  readonly class: number;
  /** Programming interface, when the paste shows it (`-vmm` ProgIf, `prog-if 30`, pvesh 24-bit class). */
  readonly progIf: number | null;
  readonly vendor: number | null;
  readonly device: number | null;
  readonly revision: number | null;
  /** The text lspci printed (class name: vendor device), for a human. */
  readonly name: string;
}

/** What `lspci -vv`/`-vvv` shows of config space. */
export interface ConfigFacts {
  /** 1 when lspci printed bus numbers (a bridge); null: take it from the class code. */
  readonly headerType: number | null;
  readonly multifunction: boolean | null;
  /** PCIe capability: offset and port type (PCI_EXP_TYPE_*); null = not a PCIe function (capabilities read). */
  readonly express: { readonly offset: number; readonly type: number; readonly flr: boolean } | null;
  /** ACS: capability and control words, 'absent' when the capability list was read and has none. */
  readonly acs: { readonly offset: number; readonly cap: number; readonly ctl: number } | 'absent' | 'unknown';
  /** SR-IOV: counts, and the first VF's routing-ID offset and stride (VF n is PF + offset + n × stride). */
  readonly sriov: { readonly offset: number; readonly totalVfs: number; readonly numVfs: number; readonly vfOffset: number | null; readonly vfStride: number | null } | null;
  /** Type 1 header: primary/secondary/subordinate bus numbers. */
  readonly buses: { readonly primary: number; readonly secondary: number; readonly subordinate: number } | null;
  readonly subsystem: { readonly vendor: number; readonly device: number } | null;
}

export interface DeviceFacts {
  /** Full BDF, lower case: '0000:01:00.0'. */
  readonly bdf: string;
  /** IOMMU group; null = the paste shows the function without a group. */
  group?: Fact<number | null>;
  /** Bound driver; null = the paste shows the device unbound. */
  driver?: Fact<string | null>;
  /** "Kernel modules:" (drivers that could bind; not the bound one). */
  modules?: Fact<readonly string[]>;
  ids?: Fact<IdFacts>;
  subsystem?: Fact<{ readonly vendor: number; readonly device: number }>;
  /** Capabilities were shown; 'denied' when lspci ran without root (`<access denied>`): unknown. */
  config?: Fact<ConfigFacts | 'denied'>;
  /** Parent bridge BDF; null = on a root bus (from `lspci -tv`). */
  parent?: Fact<string | null>;
  /** A bridge's secondary..subordinate bus range (`Bus:` line of lspci -v, `PCI bridge to [bus 02-03]` in dmesg). */
  busRange?: Fact<{ readonly secondary: number; readonly subordinate: number }>;
  /** SR-IOV VF: the PF's BDF. */
  physfn?: Fact<string>;
}

/** Host-wide facts: IOMMU on/off (dmesg), kernel release, parameters, whether groups exist. */
export interface HostFacts {
  iommu?: Fact<'on' | 'off'>;
  iommuKind?: Fact<'intel' | 'amd' | 'other'>;
  kernel?: Fact<string>;
  cmdline?: Fact<readonly string[]>;
  /** `IOMMU Group *`: the loop's glob did not expand, so /sys/kernel/iommu_groups was empty. */
  noGroups?: Fact<true>;
  /** Root buses seen (`lspci -tv` `[0000:40]`), domain:bus. */
  rootBuses?: Fact<readonly string[]>;
}

/** A problem in a paste, naming its line; `fatal` ends the import (exit 2). */
export interface PasteIssue {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** What one parser read from one input. */
export interface PasteRead {
  readonly file: string;
  readonly formats: readonly PasteFormat[];
  readonly devices: ReadonlyMap<string, DeviceFacts>;
  readonly host: HostFacts;
  readonly warnings: readonly PasteIssue[];
  /** Things a reader should know (e.g. "pvesh hides bridges"), not problems. */
  readonly notes: readonly PasteIssue[];
  /** Contradictions (one BDF, two ids or two groups): two hosts in one paste. Fatal. */
  readonly conflicts: readonly PasteIssue[];
}

/** Short or full BDF (`01:00.0`, `0000:01:00.0`, `10000:e1:00.0`) → full lower case; null if not one. */
export function fullBdf(s: string): string | null {
  const m = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-1][0-9a-fA-F])\.([0-7])$/.exec(s);
  if (!m) return null;
  return `${(m[1] ?? '0000').toLowerCase()}:${(m[2] as string).toLowerCase()}:${(m[3] as string).toLowerCase()}.${m[4] as string}`;
}

/** A short or full BDF at the start of a string (group: the BDF; rest: what follows). */
export const BDF_AT_START = /^((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7])(?=\s|$)/;
