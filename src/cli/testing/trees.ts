import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeCapture, readCaptureFile } from '../../host/index.js';
import { run } from './cli.js';

/** A host tree made from a bundled sample (real directories and symlinks), a state directory, and a plan file. */
export interface TreeFixture {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  readonly plan: string;
  /** The plan's devices, full BDFs. */
  readonly devices: readonly string[];
}

/** The GPU group of desktop-gpu: four functions, so a plan with many steps. */
export const GPU_PLAN = ['plan', '01:00.0', '--allow-group-member', '01:00.1', '--allow-group-member', '01:00.2', '--allow-group-member', '01:00.3'];

export async function treeFixture(prefix: string, planArgs: readonly string[] = GPU_PLAN): Promise<TreeFixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const c = readCaptureFile(join(process.cwd(), 'samples', 'desktop-gpu.json'));
  if (!c.ok) throw new Error(c.why);
  const m = materializeCapture(c.value, join(dir, 'root'));
  if (!m.ok) throw new Error(m.why);
  const root = join(dir, 'root'), state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  chmodSync(state, 0o700);
  const p = await run([...planArgs, '--sysfs-root', root, '--json']);
  if (p.code !== 0) throw new Error(`plan failed: ${p.err}${p.out}`);
  writeFileSync(join(dir, 'plan.json'), p.out);
  const devices = (JSON.parse(p.out) as { devices: { bdf: string }[] }).devices.map((d) => d.bdf);
  return { dir, root, state, plan: join(dir, 'plan.json'), devices };
}

/** Each device's driver_override content and driver link in the tree: what apply changes and restore must give back. */
export function deviceState(root: string, devices: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of devices) {
    const dev = join(root, 'sys/bus/pci/devices', b);
    let ovr: string, drv: string;
    try { ovr = readFileSync(join(dev, 'driver_override'), 'utf8'); } catch (e) { ovr = (e as NodeJS.ErrnoException).code ?? '?'; }
    try { drv = readlinkSync(join(dev, 'driver')); } catch (e) { drv = (e as NodeJS.ErrnoException).code ?? '?'; }
    // A tree file is no sysfs attribute: clearing writes "\n" where the kernel would then show "(null)".
    out[b] = `${drv} ${ovr.trim() === '' || ovr.trim() === '(null)' ? '(null)' : JSON.stringify(ovr)}`;
  }
  return out;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** `dmaown ARGS` as a real process (bin/dmaown.js), with extra environment; `timeoutMs` kills it (a hang fails the test). */
export function dmaownProcess(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): { done: Promise<ProcessResult>; pid: number } {
  const child = spawn(process.execPath, [join(process.cwd(), 'bin/dmaown.js'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const timer = setTimeout(() => { child.kill('SIGKILL'); err += `\n[killed after ${timeoutMs} ms: a hang]`; }, timeoutMs);
  const done = new Promise<ProcessResult>((resolve) => {
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
  return { done, pid: child.pid ?? -1 };
}

/**
 * The apply/restore tests need flock(1) (util-linux: the lock) and mkfifo(1) (coreutils). Absent
 * outside CI: the test is skipped with how to install them; under CI=true it runs and fails.
 */
export function lockToolsMissing(): string | false {
  const missing = ['flock', 'mkfifo'].filter((t) => spawnSync(t, ['--version']).error !== undefined);
  if (missing.length === 0 || process.env['CI'] === 'true') return false;
  return `${missing.join(', ')} not installed: apt-get install util-linux coreutils`;
}
