import assert from 'node:assert/strict';
import type { PciDeviceDesc } from '../../model/host-description.js';
import { pciConfigBytes } from '../../model/pci/config.js';

/** Index of the last non-zero byte, -1 for none. */
function lastNonZero(b: Uint8Array): number {
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0) i--;
  return i;
}

/**
 * That a report-detail read (`lean`) of a host is its full read (`full`) without the attributes no
 * report shows, with the revision taken from config byte 8 (pci_setup_device()) and config space
 * without its trailing zeros — the very bytes again when restored (`pciConfigBytes`).
 */
export function assertReportDetail(lean: readonly PciDeviceDesc[], full: readonly PciDeviceDesc[], what: string): void {
  const expected = full.map((d) => ({
    ...d,
    config: d.config.subarray(0, lastNonZero(d.config) + 1),
    configSize: d.config.length,
    attrs: Object.fromEntries(Object.entries(d.attrs).filter(([k]) => k === 'modalias')),
    revision: d.config.length > 8 ? (d.config[8] as number) : d.revision,
  }));
  assert.deepStrictEqual(lean, expected, `${what}: report detail against full`);
  lean.forEach((d, i) => assert.deepStrictEqual(pciConfigBytes(d), full[i]?.config, `${what}: ${d.bdf} config restored`));
}
