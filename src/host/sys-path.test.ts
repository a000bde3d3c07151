import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BDF_RE, bdfKey, resolveLinkTarget } from './sys-path.js';

/** The definition resolveLinkTarget implements in one pass: components of the link's directory, then the target's, '.' and '..' folded. */
function reference(linkPath: string, target: string): string | null {
  let rel = target;
  const parts: string[] = [];
  if (rel.startsWith('/')) {
    if (!rel.startsWith('/sys/')) return null;
    rel = rel.slice(5);
  } else {
    const dir = linkPath.split('/').filter((c) => c !== '');
    dir.pop();
    parts.push(...dir);
  }
  for (const c of rel.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(c);
    }
  }
  return parts.join('/');
}

test('resolveLinkTarget: the kernel links of a device, and links that leave /sys', () => {
  assert.equal(resolveLinkTarget('bus/pci/devices/0000:00:01.0', '../../../devices/pci0000:00/0000:00:01.0'), 'devices/pci0000:00/0000:00:01.0');
  assert.equal(resolveLinkTarget('devices/pci0000:00/0000:00:01.0/driver', '../../../bus/pci/drivers/pcieport'), 'bus/pci/drivers/pcieport');
  assert.equal(resolveLinkTarget('devices/pci0000:00/0000:00:01.0/iommu_group', '../../../kernel/iommu_groups/7'), 'kernel/iommu_groups/7');
  assert.equal(resolveLinkTarget('bus/pci/devices/x', '../../../../etc'), null);
  assert.equal(resolveLinkTarget('bus/pci/devices/x', '/etc'), null);
  assert.equal(resolveLinkTarget('bus/pci/devices/x', '/sys/devices/a/./b//c/..'), 'devices/a/b');
  assert.equal(resolveLinkTarget('x', '..'), null);
  assert.equal(resolveLinkTarget('x', '.'), '');
});

test('resolveLinkTarget equals the component-array definition on 20,000 random links (odd slashes, dots, absolute targets)', () => {
  let seed = 0x2545f491;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const parts = ['a', 'b', '.', '..', '', '...', '.x', 'sys', 'devices'];
  const path = (): string => Array.from({ length: rnd(7) }, () => parts[rnd(parts.length)]).join('/');
  for (let i = 0; i < 20_000; i++) {
    const link = (rnd(4) === 0 ? '/' : '') + path();
    const target = [path(), `/${path()}`, `/sys/${path()}`, `/sys${path()}`][rnd(4)] as string;
    assert.equal(resolveLinkTarget(link, target), reference(link, target), `${link} -> ${target}`);
  }
});

/** bdfKey's definition: BDF_RE's four fields. */
function bdfKeyReference(bdf: string): number {
  const m = BDF_RE.exec(bdf);
  if (!m) return Number.MAX_SAFE_INTEGER;
  return parseInt(m[1] as string, 16) * 65536 + parseInt(m[2] as string, 16) * 256 + parseInt(m[3] as string, 16) * 8 + parseInt(m[4] as string, 16);
}

test('bdfKey equals the BDF_RE definition: real names, VMD domains, and 50,000 mutated ones', () => {
  for (const b of ['0000:00:00.0', '0000:ff:1f.7', '10000:e1:00.0', 'ffffffff:00:00.0', '0000:00:20.0', '0000:00:1f.8', '0000:0g:00.0', '000:00:00.0',
    '000000000:00:00.0', '0000:00:00.0\n', 'not-a-bdf', '', '0000-00:00.0', '0000:00:00:0', '0000:00:1F.0', 'ABCD:00:00.0']) {
    assert.equal(bdfKey(b), bdfKeyReference(b), b);
  }
  assert.ok(bdfKey('0000:ff:1f.7') < bdfKey('10000:00:00.0'));
  let seed = 7;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const alphabet = '0123456789abcdefABg:.-x';
  for (let i = 0; i < 50_000; i++) {
    const chars = [...`${'0'.repeat(4 + rnd(6))}:${rnd(256).toString(16).padStart(2, '0')}:${rnd(32).toString(16).padStart(2, '0')}.${rnd(8)}`];
    for (let k = rnd(3); k > 0; k--) chars[rnd(chars.length)] = alphabet[rnd(alphabet.length)] as string;
    const b = chars.join('');
    assert.equal(bdfKey(b), bdfKeyReference(b), b);
  }
});
