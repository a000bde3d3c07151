import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, ok } from '../model/errno.js';
import type { HostReader } from '../host/live-port.js';
import { cdevSupport } from './cdev-support.js';

/** A reader over a flat map: string = a file, string[] = a directory listing. */
function reader(m: Record<string, string | string[]>): HostReader {
  return {
    read: (p) => (typeof m[p] === 'string' ? ok(m[p] as string) : err('ENOENT', p)),
    readLink: (p) => err('ENOENT', p),
    list: (p) => (Array.isArray(m[p]) ? ok(m[p] as string[]) : err('ENOENT', p)),
  };
}

const C = '6.12.117-oracle-iommufd';
const yes = (): boolean => true, no = (): boolean => false;

test('6.1 and 5.10 have no cdev, whatever the host shows', () => {
  for (const kernel of ['6.1.0-56-amd64', '5.10.0-46-amd64']) {
    const s = cdevSupport({ kernel, sysfs: reader({}), files: reader({ '/dev/vfio/devices': ['vfio0'] }), modelCdev: yes });
    assert.equal(s.ok, false);
    assert.match(s.why, /came with Linux 6\.6/);
  }
});

test('sysfs decides first: a vfio-dev class device with a dev attribute has a cdev; without one the build has none', () => {
  const withDev = reader({ '/sys/class/vfio-dev': ['vfio0'], '/sys/class/vfio-dev/vfio0/dev': '511:0\n' });
  assert.equal(cdevSupport({ kernel: C, sysfs: withDev, files: null, modelCdev: no }).ok, true);
  const without = reader({ '/sys/class/vfio-dev': ['vfio0'] });
  const s = cdevSupport({ kernel: C, sysfs: without, files: reader({}), modelCdev: yes });
  assert.equal(s.ok, false);
  assert.match(s.why, /without CONFIG_VFIO_DEVICE_CDEV/);
});

test('captures: the model build of the release decides, and the answer says it is assumed', () => {
  const a = cdevSupport({ kernel: C, sysfs: reader({}), files: null, modelCdev: yes });
  assert.deepEqual([a.ok, /assumed/.test(a.why)], [true, true]);
  const d = cdevSupport({ kernel: '6.12.117+deb12-amd64', sysfs: reader({}), files: null, modelCdev: no });
  assert.equal(d.ok, false);
});

test('live hosts: /dev/vfio/devices, then /boot/config, then no /dev/iommu; undecided is refused', () => {
  const s = (files: Record<string, string | string[]>) => cdevSupport({ kernel: C, sysfs: reader({}), files: reader(files), modelCdev: yes });
  assert.equal(s({ '/dev/vfio/devices': ['vfio0'] }).ok, true);
  assert.equal(s({ [`/boot/config-${C}`]: 'CONFIG_IOMMUFD=y\nCONFIG_VFIO_DEVICE_CDEV=y\n' }).ok, true);
  const off = s({ [`/boot/config-${C}`]: 'CONFIG_IOMMUFD=y\n# CONFIG_VFIO_DEVICE_CDEV is not set\n' });
  assert.deepEqual([off.ok, /is not set/.test(off.why)], [false, true]);
  const noIommufd = s({ '/dev': ['null', 'vfio'] });
  assert.deepEqual([noIommufd.ok, /no \/dev\/iommu/.test(noIommufd.why)], [false, true]);
  const unknown = s({ '/dev': ['iommu', 'null', 'vfio'] });
  assert.deepEqual([unknown.ok, /cannot tell/.test(unknown.why)], [false, true]);
});
