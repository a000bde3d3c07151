import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iommuDriverOf, iommuPlatformFor } from './platform.js';

const pci = (path: string) => [{ path }] as unknown as Parameters<typeof iommuPlatformFor>[0]['pci'];

test('the platform comes from the IOMMU unit and the host bridge placement, not from the release', () => {
  assert.equal(iommuDriverOf('dmar0'), 'intel-iommu');
  assert.equal(iommuDriverOf('ivhd1'), 'amd-iommu');
  assert.equal(iommuDriverOf('smmu3.0x0000000009050000'), 'arm-smmu-v3');
  assert.equal(iommuDriverOf('smmu.0x0000000009050000'), 'arm-smmu');
  const arm = iommuPlatformFor({ iommus: ['smmu3.0x0000000009050000'], pci: pci('devices/platform/4010000000.pcie/pci0000:00/0000:00:05.0') });
  assert.deepEqual(arm, { driver: 'arm-smmu-v3', firmware: 'device-tree', groupAt: 'probe', exclusiveStreamIds: true });
  const x86 = iommuPlatformFor({ iommus: ['dmar0', 'dmar1'], pci: pci('devices/pci0000:00/0000:00:05.0') });
  assert.deepEqual(x86, { driver: 'intel-iommu', firmware: 'acpi', groupAt: 'enumeration', exclusiveStreamIds: false });
  assert.equal(iommuPlatformFor({ iommus: [], pci: pci('devices/pci0000:00/0000:00:05.0') }).groupAt, 'enumeration');
});
