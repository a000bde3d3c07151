import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';
import { capturePort, describeHostReport, readCaptureFile, type SysfsPort } from '../host/index.js';

/**
 * Which host a command looks at: the live machine (`/`), a directory tree (`--sysfs-root`), a
 * `sysfs-capture/1` file (`--capture`) or a bundled sample (`--sample`). Every source goes through
 * the host layer's one parser; only live hosts and trees can be written.
 */
export type HostSelection =
  | { readonly kind: 'live' }
  | { readonly kind: 'sysfs-root'; readonly root: string }
  | { readonly kind: 'capture'; readonly file: string }
  | { readonly kind: 'sample'; readonly name: string };

export interface LoadedHost {
  readonly kind: HostSelection['kind'];
  /** What to print: 'this host', the capture path, 'sample desktop-gpu'. */
  readonly label: string;
  readonly port: SysfsPort;
  readonly host: HostDescription;
  readonly warnings: readonly string[];
  /** Live hosts and trees: /proc is there to look for holders and host-critical devices. */
  readonly root: string | null;
  /** Free text from a capture (`name`, `note`). */
  readonly note: string | null;
}

/** The bundled samples directory: ../../samples from the compiled module, or ./samples of the checkout. */
export function samplesDir(): string {
  const fromModule = fileURLToPath(new URL('../../samples/', import.meta.url));
  return existsSync(fromModule) ? fromModule : join(process.cwd(), 'samples');
}

export function sampleNames(): string[] {
  try { return readdirSync(samplesDir()).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort(); } catch { return []; }
}

/** The host layer's live-port module, loaded only for live hosts and trees. */
interface LivePortModule { livePort(root: string): SysfsPort }

async function livePortFor(root: string): Promise<Result<SysfsPort>> {
  const spec = '../host/live-port.js';
  try {
    const m = (await import(spec)) as LivePortModule;
    return ok(m.livePort(root));
  } catch (e) {
    return err('ENOENT', `reading a live /sys is not available in this build (${(e as Error).message})`);
  }
}

export async function loadHost(sel: HostSelection): Promise<Result<LoadedHost>> {
  if (sel.kind === 'capture' || sel.kind === 'sample') {
    const file = sel.kind === 'capture' ? sel.file : join(samplesDir(), `${basename(sel.name)}.json`);
    if (sel.kind === 'sample' && !existsSync(file)) {
      return err('ENOENT', `no sample '${sel.name}' (samples: ${sampleNames().join(', ') || 'none'})`);
    }
    const c = readCaptureFile(file);
    if (!c.ok) return c;
    const port = capturePort(c.value);
    const r = describeHostReport(port, { kernel: c.value.kernel, cmdline: c.value.cmdline ?? [] });
    if (!r.ok) return r;
    const extra = c.value as unknown as { name?: unknown; note?: unknown };
    const note = typeof extra.note === 'string' ? extra.note : typeof extra.name === 'string' ? extra.name : null;
    return ok({
      kind: sel.kind, label: sel.kind === 'sample' ? `sample ${sel.name}` : file, port, host: r.value.host,
      warnings: r.value.warnings.map((w) => `${w.path}: ${w.message}`), root: null, note,
    });
  }
  const root = sel.kind === 'live' ? '/' : sel.root;
  const p = await livePortFor(root);
  if (!p.ok) return p;
  const r = describeHostReport(p.value);
  if (!r.ok) return r;
  return ok({
    kind: sel.kind, label: sel.kind === 'live' ? 'this host' : root, port: p.value, host: r.value.host,
    warnings: r.value.warnings.map((w) => `${w.path}: ${w.message}`), root, note: null,
  });
}
