import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importPastes } from './index.js';
import { acsOf, driversOf, groupsOf, importFiles, parentsOf } from './testing/compare.js';

// Fixtures shaped like public pastes (fixtures/pastes/public/README.md), each with the facts it must
// give in expected.json: groups, drivers (null = unbound), drivers that must stay unknown, ACS
// ('cap/ctl' in hex, 'none' or 'unknown'), parents, ids, host facts, warnings and notes naming lines.
interface Expect {
  formats?: string[]; groups?: Record<string, number | null>; drivers?: Record<string, string | null>; unknownDrivers?: string[];
  acs?: Record<string, string>; parents?: Record<string, string | null>; ids?: Record<string, string>; groupsState?: string;
  host?: Record<string, string>; warnings?: string[]; notes?: string[]; error?: string;
}
const DIR = 'fixtures/pastes/public';
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expect>;
const pick = <T>(all: Record<string, T>, keys: Record<string, unknown>): Record<string, T | undefined> => Object.fromEntries(Object.keys(keys).map((k) => [k, all[k]]));

for (const [name, e] of Object.entries(expected)) {
  test(`public-style paste ${name}`, () => {
    const file = join(DIR, name);
    if (e.error !== undefined) {
      const r = importPastes([{ file, text: readFileSync(file, 'utf8') }]);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.why, new RegExp(e.error));
      return;
    }
    const { result, host } = importFiles([file]);
    const p = result.capture.partial;
    if (e.formats) assert.deepEqual([...(result.reads[0]?.formats ?? [])].sort(), [...e.formats].sort());
    if (e.groups) assert.deepEqual(pick(groupsOf(host), e.groups), e.groups);
    if (e.drivers) assert.deepEqual(pick(driversOf(host), e.drivers), e.drivers);
    for (const b of Object.keys(e.drivers ?? {})) assert.ok(!p.unknown[b]?.includes('driver'), `${b}: driver known`);
    for (const b of e.unknownDrivers ?? []) assert.ok(p.unknown[b]?.includes('driver'), `${b}: driver unknown`);
    if (e.acs) assert.deepEqual(pick(acsOf(host), e.acs), e.acs);
    if (e.parents) assert.deepEqual(pick(parentsOf(host), e.parents), e.parents);
    for (const [b, ids] of Object.entries(e.ids ?? {})) {
      const d = host.pci.find((x) => x.bdf === b);
      assert.equal(d && `${d.vendor.toString(16).padStart(4, '0')}:${d.device.toString(16).padStart(4, '0')} ${(d.class >> 8).toString(16).padStart(4, '0')}`, ids);
    }
    if (e.groupsState) assert.equal(p.groups, e.groupsState);
    for (const [k, v] of Object.entries(e.host ?? {})) assert.match(p.host[k] ?? '', new RegExp(v), k);
    for (const w of e.warnings ?? []) assert.match(p.warnings.join('\n'), new RegExp(w));
    for (const n of e.notes ?? []) assert.match(p.notes.join('\n'), new RegExp(n));
  });
}

test('every public fixture is listed in expected.json', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
  assert.deepEqual(files, Object.keys(expected).sort());
});
