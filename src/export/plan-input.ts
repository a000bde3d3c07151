import { readFileSync, statSync } from 'node:fs';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from '../host/fs-errno.js';

const MAX_PLAN_BYTES = 16 * 1024 * 1024;
const BDF = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/**
 * The devices a `dmaown plan --json` document will put on vfio-pci: only from a plan whose simulation
 * succeeded with every group viable (otherwise the devices would not be ready after it). Hostile input:
 * size, type and shape checked; errors name the file and the field.
 */
export function readPlannedDevices(file: string): Result<ReadonlySet<string>> {
  let text: string;
  try {
    const s = statSync(file);
    if (!s.isFile()) return err('EINVAL', `${file}: not a regular file`);
    if (s.size > MAX_PLAN_BYTES) return err('EOVERFLOW', `${file}: ${s.size} bytes, more than a plan can be (${MAX_PLAN_BYTES})`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err(fsErrno(e), `${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { return err('EINVAL', `${file}: not JSON (${(e as Error).message})`); }
  const d = doc as { format?: unknown; driver?: unknown; devices?: unknown; simulated?: unknown };
  if (typeof doc !== 'object' || doc === null || d.format !== 'dmaown-plan/1') return err('EINVAL', `${file}: not a dmaown plan (format is not "dmaown-plan/1"; write one with \`dmaown plan BDF --json > plan.json\`)`);
  if (typeof d.driver !== 'string' || !d.driver.startsWith('vfio')) return err('EINVAL', `${file}: driver ${JSON.stringify(d.driver)} is not a vfio driver; KubeVirt assigns vfio-pci devices`);
  const sim = d.simulated as { ok?: unknown; groups?: unknown } | null | undefined;
  if (typeof sim !== 'object' || sim === null || sim.ok !== true) return err('EINVAL', `${file}: the plan's simulation did not succeed (simulated.ok is not true), so its devices will not be ready`);
  if (Array.isArray(sim.groups) && sim.groups.some((g) => typeof g !== 'object' || g === null || (g as { viable?: unknown }).viable !== true)) {
    return err('EINVAL', `${file}: simulated.groups: a group does not become viable`);
  }
  if (!Array.isArray(d.devices) || d.devices.length === 0) return err('EINVAL', `${file}: devices: expected a non-empty list`);
  const out = new Set<string>();
  for (const [i, x] of d.devices.entries()) {
    const bdf = typeof x === 'object' && x !== null ? (x as { bdf?: unknown }).bdf : undefined;
    if (typeof bdf !== 'string' || !BDF.test(bdf)) return err('EINVAL', `${file}: devices[${i}].bdf: expected a full BDF like 0000:01:00.0`);
    out.add(bdf);
  }
  return ok(out);
}
