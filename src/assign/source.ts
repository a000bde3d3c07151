import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';
import { describeHostReport, openCapturePort, describeTreeReport, hostRootPort, livePort, type HostReader, parseEvidence, readCaptureFile, readEvidence, validateCapture, type HostEvidence, type SysfsCapture, type SysfsPort } from '../host/index.js';
// The importers (src/import) are loaded only for --paste: every other source needs just readPartial.
import { readPartial, type PartialView } from '../import/partial.js';

/**
 * Which host a command looks at: the live machine (`/`), a directory tree (`--sysfs-root`), a
 * `sysfs-capture/1` file (`--capture`) or a bundled sample (`--sample`). Every source goes through
 * the host layer's one parser; only live hosts and trees can be written.
 */
export type HostSelection =
  | { readonly kind: 'live' }
  /** `kernel`: `--kernel`, the release of a tree without proc/sys/kernel/osrelease. */
  | { readonly kind: 'sysfs-root'; readonly root: string; readonly kernel?: string }
  | { readonly kind: 'capture'; readonly file: string }
  | { readonly kind: 'sample'; readonly name: string }
  /** Pasted tool output (`--paste FILE`, repeatable; '-' is stdin), imported on the fly (src/import). */
  | { readonly kind: 'paste'; readonly files: readonly string[]; readonly kernel?: string };

export interface LoadedHost {
  readonly kind: HostSelection['kind'];
  /** What to print: 'this host', the capture path, 'sample desktop-gpu'. */
  readonly label: string;
  /**
   * The host's /sys. For a capture, sample or paste loaded with `keepPort: false`, a port whose every
   * call throws (our bug): its node table (~2.8 kB per function) is released once the host is described.
   */
  readonly port: SysfsPort;
  readonly host: HostDescription;
  readonly warnings: readonly string[];
  /** Live hosts and trees: the directory the host's root is ('/' live); null for captures, samples, pastes. */
  readonly root: string | null;
  /**
   * Live hosts and trees: the host's root read through the host layer's port (/proc for holders and
   * host-critical devices, /dev and /boot for cdev support, /etc and /proc for the host identity);
   * null for captures, samples and pastes, which record /sys only.
   */
  readonly files: HostReader | null;
  /** Free text from a capture (`name`, `note`). */
  readonly note: string | null;
  /** An imported host (`dmaown import`, `--paste`): where each fact came from and which are unknown. */
  readonly partial: PartialView | null;
  /** VM or not, DMI, module states: read live, or a capture's `evidence` field. */
  readonly evidence: HostEvidence;
}

/** The bundled samples directory: ../../samples from the compiled module, or ./samples of the checkout. */
export function samplesDir(): string {
  const fromModule = fileURLToPath(new URL('../../samples/', import.meta.url));
  return existsSync(fromModule) ? fromModule : join(process.cwd(), 'samples');
}

export function sampleNames(): string[] {
  try { return readdirSync(samplesDir()).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort(); } catch { return []; }
}

export interface LoadOptions {
  /** Live hosts and trees accept writes (apply --yes, restore); otherwise their port answers EROFS. */
  readonly writable?: boolean;
  /**
   * Captures, samples and pastes: false releases the capture's node table as soon as the host is
   * described (`port` then throws), for a command that reads nothing of /sys after that — the table
   * is the largest thing a capture leaves, and the analysis is where memory peaks. Default true.
   * Live hosts and trees always keep their port (it holds no data).
   */
  readonly keepPort?: boolean;
}

export async function loadHost(sel: HostSelection, opts: LoadOptions = {}): Promise<Result<LoadedHost>> {
  const keepPort = opts.keepPort !== false;
  if (sel.kind === 'paste') return loadPaste(sel.files, sel.kernel, keepPort);
  if (sel.kind === 'capture' || sel.kind === 'sample') {
    const file = sel.kind === 'capture' ? sel.file : join(samplesDir(), `${basename(sel.name)}.json`);
    if (sel.kind === 'sample' && !existsSync(file)) {
      return err('ENOENT', `no sample '${sel.name}' (samples: ${sampleNames().join(', ') || 'none'})`);
    }
    const c = readCaptureFile(file);
    if (!c.ok) return c;
    return fromCapture(c.value, sel.kind, sel.kind === 'sample' ? `sample ${sel.name}` : file, keepPort);
  }
  const root = sel.kind === 'live' ? '/' : sel.root;
  const portOpts = sel.kind === 'live' ? { allowWrites: opts.writable === true }
    : { sysRoot: join(root, 'sys'), procRoot: join(root, 'proc'), modulesRoot: join(root, 'lib/modules'), allowWrites: opts.writable === true };
  const port = livePort(portOpts);
  const kernel = sel.kind === 'live' ? ok({ kernel: undefined, warnings: [] }) : treeKernel(port, root, sel.kernel);
  if (!kernel.ok) return kernel;
  // Read on every core (the same answer as describeHostReport(port), see describe-parallel.ts).
  // What a report needs of each function (no numa_node, enable, ...: describe-pci.ts ReadDetail).
  const r = await describeTreeReport(portOpts, { detail: 'report', ...(kernel.value.kernel === undefined ? {} : { kernel: kernel.value.kernel }) });
  if (!r.ok) return r;
  return ok({
    kind: sel.kind, label: sel.kind === 'live' ? 'this host' : root, port, host: r.value.host,
    warnings: [...kernel.value.warnings, ...r.value.warnings.map((w) => `${w.path}: ${w.message}`)], root, files: hostRootPort(root), note: null, partial: null,
    evidence: readEvidence(port, r.value.host.kernel),
  });
}

function fromCapture(c: SysfsCapture, kind: LoadedHost['kind'], label: string, keepPort: boolean): Result<LoadedHost> {
  const partial = readPartial(c.extra?.['partial'], label);
  if (!partial.ok) return partial;
  const { port, release } = openCapturePort(c);
  // What a report needs, as a tree is read (describe-pci.ts ReadDetail): config space without its
  // trailing zeros (the table hands out only the bytes it stores), no numa_node, enable, ...
  const r = describeHostReport(port, { kernel: c.kernel, cmdline: c.cmdline ?? [], detail: 'report' });
  if (!keepPort) release();
  if (!r.ok) return r;
  const extra = c.extra ?? {};
  const evidence = parseEvidence(extra['evidence'], label);
  if (!evidence.ok) return evidence;
  const note = typeof extra['note'] === 'string' ? extra['note'] : typeof extra['name'] === 'string' ? extra['name'] : null;
  // An import's own gaps (no config, no driver link) are listed in `partial`, not repeated per file.
  const gaps = partial.value === null ? null : /: (no config attribute|only \d+ bytes of config space|(vendor|device|subsystem_vendor|subsystem_device|class|revision) missing)/;
  return ok({
    kind, label, port, host: r.value.host,
    warnings: r.value.warnings.filter((w) => gaps === null || !gaps.test(w.message)).map((w) => `${w.path}: ${w.message}`),
    root: null, files: null, note, partial: partial.value, evidence: evidence.value,
  });
}

/** `--paste FILE...`: read each input (bounded), import them as one host, and read that like a capture. */
async function loadPaste(files: readonly string[], kernel: string | undefined, keepPort: boolean): Promise<Result<LoadedHost>> {
  const { importPastes, readInput } = await import('../import/index.js');
  const inputs: { file: string; text: string }[] = [];
  for (const f of files) {
    const t = await readInput(f);
    if (!t.ok) return t;
    inputs.push({ file: f === '-' ? '<stdin>' : f, text: t.value });
  }
  const imp = importPastes(inputs, kernel !== undefined ? { kernel } : {});
  if (!imp.ok) return imp;
  const c = validateCapture(imp.value.capture, `paste ${files.join(' + ')}`);
  if (!c.ok) return c;
  return fromCapture(c.value, 'paste', `paste ${inputs.map((i) => i.file).join(' + ')}`, keepPort);
}

/**
 * A tree's kernel release: `--kernel` when given, else DIR/proc/sys/kernel/osrelease read through the
 * tree's port. Never this machine's: a tree without osrelease and without --kernel is an error (the
 * release selects every rule the model applies), and so is an osrelease that exists but cannot be read.
 */
function treeKernel(port: SysfsPort, root: string, given: string | undefined): Result<{ kernel: string | undefined; warnings: string[] }> {
  const where = `${join(root, 'proc/sys/kernel/osrelease')}`;
  const r = port.read('/proc/sys/kernel/osrelease');
  if (given !== undefined) {
    const differs = r.ok && r.value.trim() !== given;
    return ok({ kernel: given, warnings: differs ? [`${where}: says ${JSON.stringify(r.value.trim().slice(0, 80))}; using --kernel ${given}`] : [] });
  }
  if (r.ok) return ok({ kernel: r.value.trim(), warnings: [] });
  if (r.errno === 'ENOENT') return err('EINVAL', `${where} does not exist: the tree does not say which kernel it is, and the kernel release selects the DMA rules — pass --kernel RELEASE (uname -r of the host the tree was taken from)`);
  return err(r.errno, `${where} exists but cannot be read (${r.why}): pass --kernel RELEASE to name the tree's kernel`);
}
