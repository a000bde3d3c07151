import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from './actions.js';
import { ACTION_FIELDS, checkAuthority, checkIdsOnHost, INVERSE_OF, parseAction, parseEntry, persistFileProblem } from './journal-check.js';
import type { Journal, JournalHeader } from './journal.js';

const header: JournalHeader = {
  format: 'dmaown-journal/1', id: 'x', created: '', kernel: '6.8.0', driver: 'vfio-pci',
  devices: [{ bdf: '0000:01:00.0', group: 8, driver: 'nvidia', driverOverride: null, requested: true }],
};
const sample: Readonly<Record<string, Action>> = {
  override: { op: 'override', bdf: '0000:01:00.0', value: 'vfio-pci' },
  unbind: { op: 'unbind', bdf: '0000:01:00.0', driver: 'nvidia' },
  probe: { op: 'probe', bdf: '0000:01:00.0' },
  bind: { op: 'bind', bdf: '0000:01:00.0', driver: 'nvidia' },
  verify: { op: 'verify', bdf: '0000:01:00.0', driver: 'vfio-pci' },
  'remove-id': { op: 'remove-id', bdf: '0000:01:00.0', driver: 'vfio-pci', id: '10de 1f06' },
  'new-id': { op: 'new-id', bdf: '0000:01:00.0', driver: 'vfio-pci', id: '10de 1f06' },
  'unbind-other': { op: 'unbind-other', bdf: '0000:01:00.0', except: 'nvidia' },
  'verify-not': { op: 'verify-not', bdf: '0000:01:00.0', driver: 'vfio-pci' },
  modprobe: { op: 'modprobe', driver: 'vfio-pci' },
  rmmod: { op: 'rmmod', driver: 'vfio-pci' },
};

test('every action kind of the table parses, and each of its fields is checked (a row per kind: new kinds slot in)', () => {
  for (const op of Object.keys(ACTION_FIELDS)) {
    const a = sample[op];
    assert.ok(a, `a sample action for ${op}`);
    assert.deepEqual(parseAction(JSON.parse(JSON.stringify(a)) as unknown, 'w'), { ok: true, value: a });
    for (const field of Object.keys(ACTION_FIELDS[op]!)) {
      const r = parseAction({ ...a, [field]: '../../etc/x' }, 'w');
      assert.ok(!r.ok && r.why.startsWith(`w: ${op}.${field} is "../../etc/x"`), `${op}.${field}: ${JSON.stringify(r)}`);
    }
    const extra = parseAction({ ...a, path: '/etc/shadow' }, 'w');
    assert.ok(!extra.ok && /has no field "path"/.test(extra.why));
  }
  assert.ok(!parseAction({ op: 'toString', bdf: '0000:01:00.0' }, 'w').ok);
  assert.ok(!parseAction({ op: '__proto__' }, 'w').ok);
});

test('a journal may load only its own driver, undone only by unloading it (when unused)', () => {
  const j = (action: Action, inverse: Action[]): Journal => ({ header, entries: [{ seq: 0, phase: 'begin', action, inverse }] });
  assert.ok(checkAuthority(j({ op: 'modprobe', driver: 'vfio-pci' }, [{ op: 'rmmod', driver: 'vfio-pci' }]), 'j').ok);
  const other = checkAuthority(j({ op: 'modprobe', driver: 'nvidia' }, [{ op: 'rmmod', driver: 'nvidia' }]), 'j');
  assert.ok(!other.ok && /modprobe "nvidia" is not a step dmaown takes for this journal's driver "vfio-pci"/.test(other.why), JSON.stringify(other));
  const unloadOther = checkAuthority(j({ op: 'modprobe', driver: 'vfio-pci' }, [{ op: 'rmmod', driver: 'nvme' }]), 'j');
  assert.ok(!unloadOther.ok && /a tampered journal/.test(unloadOther.why));
  const asAction = checkAuthority(j({ op: 'rmmod', driver: 'vfio-pci' }, []), 'j');
  assert.ok(!asAction.ok, 'rmmod is only ever an inverse');
});

test('a journal may ask only for the inverse each step implies, on its own devices', () => {
  const j = (action: Action, inverse: Action[]): Journal => ({ header, entries: [{ seq: 0, phase: 'begin', action, inverse }] });
  for (const op of Object.keys(INVERSE_OF)) {
    const a = sample[op]!;
    const want = INVERSE_OF[op]!(a, header.devices[0]!, header);
    if (want === null) continue;
    assert.deepEqual(checkAuthority(j(a, [...want]), 'j'), { ok: true, value: undefined }, op);
    const tampered = checkAuthority(j(a, [{ op: 'bind', bdf: '0000:01:00.0', driver: 'ahci' }]), 'j');
    assert.ok(!tampered.ok && tampered.errno === 'EPERM' && /a tampered journal/.test(tampered.why), op);
  }
  const foreign = checkAuthority(j({ op: 'probe', bdf: '0000:05:00.0' }, [{ op: 'unbind', bdf: '0000:05:00.0', driver: 'vfio-pci' }]), 'j');
  assert.ok(!foreign.ok && /line 2: probe on 0000:05:00\.0, which is not one of the journal's devices/.test(foreign.why));
  const bindNoRule = checkAuthority(j(sample['bind']!, []), 'j');
  assert.ok(!bindNoRule.ok && /bind 0000:01:00\.0 is not a step dmaown takes/.test(bindNoRule.why));
});

test('persistence files: only a driverctl file of the journal\'s own device or a modprobe.d *.conf', () => {
  assert.equal(persistFileProblem('/etc/driverctl.d/pci-0000:01:00.0', header), null);
  assert.equal(persistFileProblem('/etc/modprobe.d/dmaown-vfio-pci.conf', header), null);
  assert.match(persistFileProblem('/etc/driverctl.d/pci-0000:05:00.0', header) ?? '', /not one of the journal's devices/);
  for (const f of ['/etc/passwd', '/etc/modprobe.d/../shadow', '/etc/modprobe.d/x.sh', 'etc/driverctl.d/pci-0000:01:00.0', '/etc/driverctl.d/sub/pci-0000:01:00.0']) {
    assert.match(persistFileProblem(f, header) ?? '', /not a persistence file dmaown writes/, f);
  }
  assert.ok(!parseEntry({ phase: 'persist', file: '/etc/modprobe.d/a.conf', previous: '!!', encoding: 'base64' }, 'w').ok);
  assert.ok(!parseEntry({ phase: 'persist', file: '/etc/modprobe.d/a.conf', previous: null, root: 'a\u0000b' }, 'w').ok);
});

test('remove_id/new_id may name only the ids of their own device on this host', () => {
  const j = (id: string): Journal => ({ header, entries: [{ seq: 0, phase: 'begin', action: { op: 'remove-id', bdf: '0000:01:00.0', driver: 'vfio-pci', id }, inverse: [{ op: 'new-id', bdf: '0000:01:00.0', driver: 'vfio-pci', id }] }] });
  const ids = (b: string): { vendor: number; device: number } | undefined => (b === '0000:01:00.0' ? { vendor: 0x10de, device: 0x1f06 } : undefined);
  assert.deepEqual(checkIdsOnHost(j('10de 1f06'), ids, 'j'), { ok: true, value: undefined });
  assert.deepEqual(checkIdsOnHost(j('10de 1f06 1043 8701'), ids, 'j'), { ok: true, value: undefined });
  const nvme = checkIdsOnHost(j('144d a808'), ids, 'j');
  assert.ok(!nvme.ok && nvme.errno === 'EPERM' && /step 0: remove-id "144d a808" for 0000:01:00\.0, whose ids on this host are 10de 1f06/.test(nvme.why));
});
