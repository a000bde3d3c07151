import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, schemaErrors } from './testing/cli.js';

test('release on the server sample: the VF on vfio-pci by id gets remove_id, the NVMe its override cleared; simulated back to iavf and nvme', async () => {
  const r = await run(['release', '01:02.3', '04:00.0', '--sample', 'server-sriov']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /echo '' > \/sys\/bus\/pci\/devices\/0000:04:00\.0\/driver_override/);
  assert.match(r.out, /echo '8086 154c' > \/sys\/bus\/pci\/drivers\/vfio-pci\/remove_id/);
  assert.match(r.out, /0000:01:02\.3 → iavf\n {2}0000:04:00\.0 → nvme\n/);
  assert.match(r.out, /Dry run: nothing was written/);
  const j = await run(['release', '01:02.3', '04:00.0', '--sample', 'server-sriov', '--json']);
  const doc = JSON.parse(j.out) as { schema: string; simulated: { ok: boolean } };
  assert.equal(schemaErrors(doc), null);
  assert.equal(doc.simulated.ok, true);
});

test('release --yes on a sample is refused (exit 2); a device on its kernel driver has nothing to give back; an unknown device exits 2', async () => {
  const y = await run(['release', '04:00.0', '--sample', 'server-sriov', '--yes']);
  assert.equal(y.code, 2);
  assert.match(y.err, /--persist-root|is a capture, not a host/);
  const k = await run(['release', '02:00.0', '--sample', 'server-sriov']);
  assert.equal(k.code, 0);
  assert.match(k.out, /0000:02:00\.0 is on nvme without a user-space driver_override: nothing to give back/);
  assert.equal((await run(['release', '09:00.0', '--sample', 'server-sriov'])).code, 2);
});
