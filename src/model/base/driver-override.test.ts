/**
 * Spec §9 scenario 22 on L (5.10), O1 (5.19, 6.0) and O2 (6.1): with driver_override set, a sysfs bind of another
 * driver is ENODEV and drivers_probe binds the named driver.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createKernel } from '../kernel.js';
import { host } from '../testing/host-builder.js';
import { expectErrno, expectOk } from '../testing/expect.js';

const A = '0000:01:00.0';
const L = '5.10.0-46-amd64', O2 = '6.1.0-56-amd64';
const ALL = [L, '5.19.0', '6.0.0', O2];

for (const rel of ALL) {
  test(`scenario 22 (${rel}): driver_override and drivers_probe`, () => {
    const k = createKernel(host(rel).group(7, [A]).build());
    expectOk(k, k.write(`/sys/bus/pci/devices/${A}/driver_override`, 'vfio-pci'));
    expectErrno(k, 'ENODEV', k.write('/sys/bus/pci/drivers/e1000e/bind', A));
    expectOk(k, k.write('/sys/bus/pci/drivers_probe', A));
    assert.equal(expectOk(k, k.readLink(`/sys/bus/pci/devices/${A}/driver`)), '../../../../bus/pci/drivers/vfio-pci');
  });
}
