import type { Command } from 'commander';
import type { HostSelection, LoadedHost } from '../assign/source.js';
import type { HostView } from '../assign/inspect.js';
import type { GroupReasons } from '../assign/why.js';
import type { Diagnosis } from '../assign/diagnosis.js';
import type { CliIo } from './io.js';

/** Options every host-reading command shares (defined once on the program). */
export interface HostOptions {
  readonly capture?: string;
  readonly sample?: string;
  readonly sysfsRoot?: string;
  /** `--paste FILE` (repeatable): pasted tool output, imported on the fly. */
  readonly paste?: readonly string[];
  readonly json?: boolean;
  readonly color?: boolean;
  readonly pciIds?: string;
  /** apply --yes / restore: open live hosts and trees for writing. */
  readonly yes?: boolean;
  /** Full lines: never shorten names to the terminal width. */
  readonly wide?: boolean;
  /**
   * `--kernel RELEASE`: the kernel of a --sysfs-root tree (or of a --paste that does not say it). A list
   * is the `--kernel` of a command with its own meaning (demo, verify): not the host's.
   */
  readonly kernel?: string | readonly string[];
}

/** Commands that read no host (or take `--kernel` with a meaning of their own): no host `--kernel`. */
const OWN_KERNEL_OPTION: ReadonlySet<string> = new Set(['conform', 'demo', 'import', 'verify']);

/**
 * `--kernel RELEASE` on each host-reading command (a subcommand option, not a global one: `demo`,
 * `import` and `verify` have a `--kernel` of their own).
 */
export function addKernelOption(cmd: Command): Command {
  if (OWN_KERNEL_OPTION.has(cmd.name())) return cmd;
  return cmd.option('--kernel <release>', 'the kernel release (uname -r) of a --sysfs-root tree without proc/sys/kernel/osrelease, or of a --paste that does not say it');
}

export function addHostOptions(cmd: Command): Command {
  return cmd
    .option('--capture <file>', 'read a sysfs-capture/1 file instead of this host')
    .option('--sample <name>', 'use a bundled sample host (desktop-gpu, dual-gpu, server-sriov)')
    .option('--sysfs-root <dir>', 'a host tree: DIR/sys and DIR/proc (its kernel from DIR/proc/sys/kernel/osrelease, else --kernel) instead of /')
    .option('--paste <file>', 'pasted output (IOMMU group listing, lspci -nnk/-vvv/-vmm/-tv, dmesg, pvesh; - for stdin) read as the host; repeat for several pastes of one host (see `dmaown import`)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--pci-ids <file>', 'pci.ids database for names (default: the system one)')
    .option('--json', 'print JSON (schemas in schema/)')
    .option('--wide', 'full lines: do not shorten device names to the terminal width')
    .option('--no-color', 'no colour (also: NO_COLOR=1, or when stdout is not a terminal)');
}

export function selectionOf(o: HostOptions): HostSelection | string {
  const n = [o.capture, o.sample, o.sysfsRoot, o.paste].filter((x) => x !== undefined).length;
  if (n > 1) return 'choose one of --capture, --sample, --sysfs-root, --paste';
  const kernel = typeof o.kernel === 'string' ? { kernel: o.kernel } : {};
  if (o.paste !== undefined) return { kind: 'paste', files: o.paste, ...kernel };
  if (o.sysfsRoot !== undefined) return { kind: 'sysfs-root', root: o.sysfsRoot, ...kernel };
  if (typeof o.kernel === 'string') return `--kernel names the kernel of a --sysfs-root tree or a --paste; ${o.capture !== undefined ? 'a capture records its own' : o.sample !== undefined ? 'a sample records its own' : 'this host\'s is read from /proc'}`;
  if (o.capture !== undefined) return { kind: 'capture', file: o.capture };
  if (o.sample !== undefined) return { kind: 'sample', name: o.sample };
  return { kind: 'live' };
}

export interface Viewed {
  readonly loaded: LoadedHost;
  readonly view: HostView;
  /** Why this host has no IOMMU groups (null when it has some): the same for every command. */
  readonly diagnosis: Diagnosis | null;
  /** Why a group's devices share it: explainHost() run at most once, on the first multi-device group asked about. */
  readonly why: GroupReasons;
}

/**
 * Load the selected host and build its view (holders and host-critical devices for live hosts and trees).
 * `sysfsLater`: the command reads the host's /sys again after the view (`loaded.port`: plan/apply
 * --via cdev, --persist); without it a capture's node table is released before the analysis.
 */
export async function loadView(o: HostOptions, io: CliIo, sel: HostSelection, sysfsLater = false): Promise<{ ok: true; value: Viewed } | { ok: false; why: string }> {
  const { loadHost } = await import('../assign/source.js');
  const { inspectHost } = await import('../assign/inspect.js');
  const { lazyPciNames, PCI_IDS_PATHS } = await import('../assign/pci-ids.js');
  const { hostModel } = await import('../assign/host-model.js');
  const { noGroupsDiagnosis } = await import('../assign/diagnosis.js');
  const h = await loadHost(sel, { writable: o.yes === true, keepPort: sysfsLater });
  if (!h.ok) return { ok: false, why: `${h.errno}: ${h.why}` };
  const model = hostModel(h.value.host);
  if (!model.ok) return { ok: false, why: `${h.value.label}: ${model.why}` };
  let holders: import('../host/processes.js').DmaHolder[] = [];
  let critical: import('../host/critical.js').CriticalDevices = {};
  let holdersSeen: import('../assign/inspect.js').HoldersSeen = 'none';
  const r = h.value.files;
  if (r !== null) {
    const { scanDmaHolders } = await import('../host/processes.js');
    const { findCriticalDevices } = await import('../host/critical.js');
    const s = scanDmaHolders(r);
    holders = s.holders;
    holdersSeen = s.unreadable > 0 ? 'some' : 'all';
    critical = findCriticalDevices(r, { SSH_CONNECTION: io.env['SSH_CONNECTION'] });
  }
  const names = lazyPciNames(o.pciIds !== undefined ? [o.pciIds] : PCI_IDS_PATHS);
  const { groupReasons } = await import('../assign/why.js');
  const view = inspectHost({ host: h.value.host, names, holders, critical, holdersSeen, model: model.value, modules: h.value.evidence.modules });
  const partial = h.value.partial;
  // A paste that does not list groups does not say the host has none: no diagnosis then.
  const diagnosis = partial !== null && partial.section.groups !== 'none' ? null : noGroupsDiagnosis(h.value);
  if (partial === null) return { ok: true, value: { loaded: h.value, view, diagnosis, why: groupReasons(h.value.host) } };
  // An imported paste: what it did not say stays unknown, in the verdicts and in the reasons.
  const { markUnknown, explainUnknowns } = await import('../assign/unknowns.js');
  const { explainHost } = await import('../host/explain.js');
  const source = partial.section.sources.map((s) => s.file).join(' + ') || h.value.label;
  const marked = markUnknown(view, { driver: partial.unknownDriver, group: partial.section.groups === 'none' ? new Set() : partial.unknownGroup, config: partial.unknownConfig, source, missingGroups: partial.section.missingGroups ?? [] });
  return { ok: true, value: { loaded: h.value, view: marked, diagnosis, why: groupReasons(h.value.host, (host) => explainUnknowns(explainHost(host), { parent: partial.unknownParent, ids: partial.unknownIds })) } };
}

/** An input error naming the devices that are not on the host, and where to list them; null when all are there. */
export function missingDevices(v: Viewed, bdfs: readonly string[]): string | null {
  const known = new Set(v.loaded.host.pci.map((d) => d.bdf));
  const missing = bdfs.filter((b) => !known.has(b));
  if (missing.length === 0) return null;
  const where = v.loaded.kind === 'live' ? 'this host' : v.loaded.label;
  const list = v.loaded.kind === 'live' ? 'dmaown' : v.loaded.kind === 'sample' ? `dmaown --sample ${v.loaded.label.replace(/^sample /, '')}`
    : v.loaded.kind === 'capture' ? `dmaown --capture ${v.loaded.label}` : v.loaded.kind === 'paste' ? `dmaown ${v.loaded.label.replace(/^paste /, '').split(' + ').map((f) => `--paste ${f}`).join(' ')}`
      : `dmaown --sysfs-root ${v.loaded.label}`;
  return `no PCI device ${missing.join(', ')} on ${where} (\`${list}\` lists them)`;
}

/** The host block every JSON output starts with. */
export function hostJson(v: Viewed): Record<string, unknown> {
  const p = v.loaded.partial;
  return {
    label: v.loaded.label, kind: v.loaded.kind, kernel: v.view.kernel, era: v.view.era, note: v.loaded.note,
    acsOverride: v.view.acsOverride, modelNote: v.view.modelNote,
    ...(p === null ? {} : { partial: { sources: p.section.sources, groups: p.section.groups, kernel: p.section.kernel, notes: p.section.notes } }),
  };
}
/**
 * A host without IOMMU groups: every command that gives a verdict answers with the same diagnosis
 * (JSON: `diagnosis` plus the command's empty answer; text: the diagnosis) and exit 1. Null when the
 * host has groups and the command should go on.
 */
export async function answerNoGroups(v: Viewed, o: HostOptions, io: CliIo, json: Record<string, unknown>): Promise<number | null> {
  if (v.diagnosis === null) return null;
  const { printJson, EXIT } = await import('./io.js');
  const { diagnosisText } = await import('../assign/diagnosis.js');
  if (o.json) printJson(io, { ...json, host: hostJson(v), diagnosis: v.diagnosis });
  else io.out(`${v.loaded.label}: kernel ${v.view.kernel}\n${diagnosisText(v.diagnosis)}\n`);
  return EXIT.negative;
}
