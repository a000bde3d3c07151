import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dmaRule, kernelVersion, profileFor, type Profile } from './profiles.js';

const flags = (release: string): Profile => {
  const p = profileFor(release);
  assert.ok(p.ok, release);
  return p.value;
};

test('kernelVersion is the one release parser: MAJOR.MINOR[.SUBLEVEL], anything else EINVAL', () => {
  assert.deepEqual(kernelVersion('6.12.117+deb12-amd64'), { ok: true, value: { major: 6, minor: 12, sublevel: 117 } });
  assert.deepEqual(kernelVersion('5.10-rc1'), { ok: true, value: { major: 5, minor: 10, sublevel: 0 } });
  const bad = kernelVersion('garbage');
  assert.ok(!bad.ok && bad.errno === 'EINVAL' && /kernel release "garbage": not a uname -r/.test(bad.why));
  const old = profileFor('5.4.0-150-generic');
  assert.ok(!old.ok && /the model covers 5\.10 and later/.test(old.why));
});

test('the version-dependent flags switch at the release of the commit each names', () => {
  const row = (r: string) => { const p = flags(r); return [p.dmaOwnership, p.vfioContainerAttachGroup, p.iommufd, p.vfioDeviceCdev, p.groupFreeDeviceWarn, dmaRule(p)]; };
  assert.deepEqual(row('5.18.19'), [false, false, false, false, false, 'legacy']);
  assert.deepEqual(row('5.19.0-1-amd64'), [true, false, false, false, false, 'ownership']);
  assert.deepEqual(row('6.0.0'), [true, false, false, false, false, 'ownership']);
  assert.deepEqual(row('6.1.0-56-amd64'), [true, true, false, false, false, 'ownership']);
  assert.deepEqual(row('6.2.0'), [true, true, true, false, false, 'ownership']);
  assert.deepEqual(row('6.5.13'), [true, true, true, false, false, 'ownership']);
  assert.deepEqual(row('6.6.0'), [true, true, true, true, true, 'ownership']);
  // Debian's 6.12 builds have no IOMMUFD: the model boots them without it unless told.
  assert.deepEqual([flags('6.12.117+deb12-amd64').defaultIommufd, flags('6.12.117-dmaown-iommufd').defaultIommufd, flags('6.1.0').defaultIommufd], [false, true, false]);
});

test('every feature flag of Profile names the kernel commit (id and subject) or the recorded trace it comes from', () => {
  const src = readFileSync(join(process.cwd(), 'src/model/profiles.ts'), 'utf8');
  const body = src.slice(src.indexOf('export interface Profile {'), src.indexOf('\n}\n', src.indexOf('export interface Profile {')));
  const members = [...body.matchAll(/((?:\/\*\*[\s\S]*?\*\/\s*)?)readonly (\w+):/g)].map((m) => ({ doc: m[1] ?? '', name: m[2]! }));
  assert.ok(members.length > 20, `${members.length} members read`);
  const undocumented = members.filter((m) => !['label', 'release', 'major', 'minor', 'defaultIommufd'].includes(m.name))
    .filter((m) => !/\b[0-9a-f]{12}\b/.test(m.doc) && !/conformance\/[\d.]+\/S\d+/.test(m.doc)).map((m) => m.name);
  assert.deepEqual(undocumented, []);
});

test('no code outside profiles.ts compares a profile label or parses a release', () => {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(d, e.name)] : []));
  const offenders: string[] = [];
  for (const f of walk(join(process.cwd(), 'src'))) {
    if (f.endsWith(join('model', 'profiles.ts'))) continue;
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (/\blabel\s*[!=]==\s*'(L|O1|O2|F|C)'|'(L|O1|O2|F|C)'\s*[!=]==\s*\w*\.?label\b/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      if (/\\d\+?\)?\\\.\(?\\d|\[0-9\]\+\\\.\[0-9\]/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});
