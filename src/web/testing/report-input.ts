import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadHost, samplesDir, type HostSelection } from '../../assign/source.js';
import { inspectHost } from '../../assign/inspect.js';
import { lazyPciNames } from '../../assign/pci-ids.js';
import { groupReasons } from '../../assign/why.js';
import { sharedDir } from '../../testing/shared.js';
import type { ReportInput } from '../report-data.js';

/** Test helpers: the report input of a sample or capture (no pci.ids, so output does not depend on the machine). */
export async function inputOf(sel: HostSelection, sourceArgs: readonly string[] = []): Promise<ReportInput> {
  const h = await loadHost(sel);
  if (!h.ok) throw new Error(`${h.errno}: ${h.why}`);
  const view = inspectHost({ host: h.value.host, names: lazyPciNames([]) });
  return { label: h.value.label, kind: h.value.kind, sourceArgs, host: h.value.host, view, why: groupReasons(h.value.host), diagnosis: null, note: h.value.note };
}

/** Every sample and shared capture, as [name, selection, CLI options]. */
export function allHosts(): [string, HostSelection, string[]][] {
  const out: [string, HostSelection, string[]][] = [];
  for (const f of readdirSync(samplesDir()).filter((n) => n.endsWith('.json')).sort()) {
    const name = f.slice(0, -5);
    out.push([`sample-${name}`, { kind: 'sample', name }, ['--sample', name]]);
  }
  const hosts = join(sharedDir(), 'hosts');
  if (existsSync(hosts)) {
    for (const f of readdirSync(hosts).filter((n) => n.endsWith('.json')).sort()) {
      out.push([f.slice(0, -5), { kind: 'capture', file: join(hosts, f) }, ['--capture', join(hosts, f)]]);
    }
  }
  return out;
}
