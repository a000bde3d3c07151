import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturePort, describeHost, readCaptureFile, validateCapture } from '../../host/index.js';
import type { HostDescription, PciDeviceDesc } from '../../model/host-description.js';
import { pciConfigParse, pciConfigSize } from '../../model/pci/config.js';
import { pciPlacement } from '../../model/pci/host-topology.js';
import { importPastes, type ImportResult } from '../index.js';

/** The host a capture file describes (throws: test helper). */
export function hostOf(file: string): HostDescription {
  const c = readCaptureFile(file);
  if (!c.ok) throw new Error(c.why);
  const h = describeHost(capturePort(c.value), { kernel: c.value.kernel, cmdline: c.value.cmdline });
  if (!h.ok) throw new Error(h.why);
  return h.value;
}

/** Imports fixture files (paths) and reads the result back through the host layer, as --capture would. */
export function importFiles(files: readonly string[]): { result: ImportResult; host: HostDescription } {
  const r = importPastes(files.map((f) => ({ file: f, text: readFileSync(f, 'utf8') })));
  if (!r.ok) throw new Error(r.why);
  const c = validateCapture(JSON.parse(JSON.stringify(r.value.capture)) as unknown, files.join('+'));
  if (!c.ok) throw new Error(c.why);
  const h = describeHost(capturePort(c.value), { kernel: c.value.kernel, cmdline: c.value.cmdline });
  if (!h.ok) throw new Error(h.why);
  return { result: r.value, host: h.value };
}

export const fixture = (host: string, name: string): string => join('fixtures/pastes/rendered', host, name);

/** BDF → group, for the functions that have one. */
export function groupsOf(h: HostDescription): Record<string, number | null> {
  return Object.fromEntries(h.pci.map((d) => [d.bdf, d.iommuGroup]));
}

/** BDF → bound driver (null: unbound). */
export function driversOf(h: HostDescription): Record<string, string | null> {
  return Object.fromEntries(h.pci.map((d) => [d.bdf, d.driver]));
}

/** BDF → ACS as the model reads config: 'cap/ctl' hex, 'none', or 'unknown' (config too short). */
export function acsOf(h: HostDescription): Record<string, string> {
  return Object.fromEntries(h.pci.map((d: PciDeviceDesc) => {
    const c = pciConfigParse(d.config, pciConfigSize(d));
    if (!c.capsKnown || !c.extKnown) return [d.bdf, 'unknown'];
    return [d.bdf, c.acs === null ? 'none' : `${c.acs.cap.toString(16)}/${c.acs.ctrl.toString(16)}`];
  }));
}

/** BDF → parent bridge from the sysfs path (null on a root bus). */
export function parentsOf(h: HostDescription): Record<string, string | null> {
  return Object.fromEntries(h.pci.map((d) => [d.bdf, pciPlacement(d).parent]));
}
