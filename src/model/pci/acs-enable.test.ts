import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pciStdEnableAcs } from './acs-enable.js';
import { pciConfigParse } from './config.js';

/** Root port 00:08.0 of the arm64 guest as captured: ACS capability 0x5f at 0x148, control word 0 (enumerated before pci_request_acs()). */
function rootPort(): Uint8Array {
  const cap = JSON.parse(readFileSync(join(process.cwd(), 'fixtures', 'hosts', 'qemu-virt-smmuv3-6.1.json'), 'utf8')) as { entries: Record<string, { hex: string }> };
  return Buffer.from(cap.entries['devices/platform/4010000000.pcie/pci0000:00/0000:00:08.0/config']!.hex, 'hex');
}

test('pci_std_enable_acs raises SV, RR, CR and UF the capability offers, nothing else, and leaves the input alone', () => {
  const before = rootPort();
  assert.deepEqual([pciConfigParse(before).acs?.cap, pciConfigParse(before).acs?.ctrl], [0x5f, 0]);
  const after = pciStdEnableAcs(before);
  assert.notEqual(after, before);
  assert.equal(pciConfigParse(after).acs?.ctrl, 0x1d); // SV|RR|CR|UF; TB (0x02) and DT (0x40) stay off
  assert.equal(pciConfigParse(before).acs?.ctrl, 0);
  assert.equal(pciStdEnableAcs(after), after, 'already enabled: the same array');
  const none = new Uint8Array(64);
  assert.equal(pciStdEnableAcs(none), none, 'no ACS capability: unchanged');
});
