import { err, ok, type Result } from '../model/errno.js';
import { shown } from '../host/shown.js';
import { isDeviceAction, type Action } from './actions.js';
import { isFullBdf } from './bdf.js';
import type { Journal, JournalEntry, JournalHeader } from './journal.js';
import type { PlanDevice } from './plan.js';

/**
 * Journals and plan files come from disk, so they are untrusted: each is parsed against its schema
 * here, and a journal may only undo what it records having done — its own devices, with the inverse
 * each action has, and persistence files of its own devices below /etc. Validation is table-driven:
 * a new action kind is one row in ACTION_FIELDS and one in INVERSE_OF.
 */

/** A driver or module name as the kernel registers it: letters, digits, '_', '-', '.' (not first), at most 64. */
export const DRIVER_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

type FieldKind = 'bdf' | 'driver' | 'driver-or-null' | 'pci-id' | 'driver-or-empty';

/** Every action kind with its fields (besides `op`). */
export const ACTION_FIELDS: Readonly<Record<string, Readonly<Record<string, FieldKind>>>> = {
  override: { bdf: 'bdf', value: 'driver-or-null' },
  unbind: { bdf: 'bdf', driver: 'driver' },
  probe: { bdf: 'bdf' },
  bind: { bdf: 'bdf', driver: 'driver' },
  verify: { bdf: 'bdf', driver: 'driver-or-null' },
  'remove-id': { bdf: 'bdf', driver: 'driver', id: 'pci-id' },
  'new-id': { bdf: 'bdf', driver: 'driver', id: 'pci-id' },
  'unbind-other': { bdf: 'bdf', except: 'driver-or-empty' },
  'verify-not': { bdf: 'bdf', driver: 'driver' },
  modprobe: { driver: 'driver' },
  rmmod: { driver: 'driver' },
};

/** What remove_id/new_id take: "vendor device [subvendor subdevice]" in hex. */
const PCI_ID_RE = /^[0-9a-f]{1,8}( [0-9a-f]{1,8}){1,3}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function checkField(kind: FieldKind, v: unknown): boolean {
  if (kind === 'bdf') return isFullBdf(v);
  if (kind === 'driver') return typeof v === 'string' && DRIVER_NAME_RE.test(v);
  if (kind === 'pci-id') return typeof v === 'string' && PCI_ID_RE.test(v);
  if (kind === 'driver-or-empty') return v === '' || (typeof v === 'string' && DRIVER_NAME_RE.test(v));
  return v === null || (typeof v === 'string' && DRIVER_NAME_RE.test(v));
}

/** An action as the schema allows it: a known op, exactly its fields, each of its kind. */
export function parseAction(v: unknown, where: string): Result<Action> {
  if (!isRecord(v)) return err('EINVAL', `${where}: an action must be an object, got ${shown(v, 60)}`);
  const op = own(v, 'op');
  const fields = typeof op === 'string' && Object.hasOwn(ACTION_FIELDS, op) ? ACTION_FIELDS[op] : undefined;
  if (!fields) return err('EINVAL', `${where}: unknown action ${shown(op, 40)} (known: ${Object.keys(ACTION_FIELDS).join(', ')})`);
  for (const k of Object.keys(v)) {
    if (k !== 'op' && !Object.hasOwn(fields, k)) return err('EINVAL', `${where}: ${op} has no field ${shown(k, 40)}`);
  }
  for (const [k, kind] of Object.entries(fields)) {
    if (!checkField(kind, own(v, k))) {
      return err('EINVAL', `${where}: ${op}.${k} is ${shown(own(v, k), 60)}, not ${kind === 'bdf' ? 'a full PCI address (0000:01:00.0)' : kind === 'pci-id' ? 'a PCI id ("vendor device [subvendor subdevice]" in hex)' : 'a driver name'}`);
    }
  }
  return ok(Object.fromEntries([['op', op], ...Object.keys(fields).map((k) => [k, own(v, k)])]) as unknown as Action);
}

/** A device record of a plan or journal header. */
export function parsePlanDevice(v: unknown, where: string): Result<PlanDevice> {
  if (!isRecord(v)) return err('EINVAL', `${where}: a device must be an object`);
  const bdf = own(v, 'bdf'), group = own(v, 'group'), driver = own(v, 'driver'), ovr = own(v, 'driverOverride'), req = own(v, 'requested');
  if (!isFullBdf(bdf)) return err('EINVAL', `${where}.bdf is ${shown(bdf, 60)}, not a full PCI address (0000:01:00.0)`);
  if (typeof group !== 'number' || !Number.isSafeInteger(group) || group < 0) return err('EINVAL', `${where}.group is ${shown(group, 40)}, not an IOMMU group number`);
  if (!checkField('driver-or-null', driver)) return err('EINVAL', `${where}.driver is ${shown(driver, 60)}, not a driver name or null`);
  if (!checkField('driver-or-null', ovr)) return err('EINVAL', `${where}.driverOverride is ${shown(ovr, 60)}, not a driver name or null`);
  if (typeof req !== 'boolean') return err('EINVAL', `${where}.requested must be true or false`);
  return ok({ bdf, group, driver: driver as string | null, driverOverride: ovr as string | null, requested: req });
}

/** The device list of a plan or journal: at most 4096, each BDF once. */
export function parseDevices(v: unknown, where: string): Result<PlanDevice[]> {
  if (!Array.isArray(v) || v.length > 4096) return err('EINVAL', `${where} must be a list of at most 4096 devices`);
  const out: PlanDevice[] = [];
  for (const [i, d] of v.entries()) {
    const r = parsePlanDevice(d, `${where}[${i}]`);
    if (!r.ok) return r;
    if (out.some((x) => x.bdf === r.value.bdf)) return err('EINVAL', `${where}[${i}]: ${r.value.bdf} is listed twice`);
    out.push(r.value);
  }
  return ok(out);
}

const PRINTABLE_RE = /^[\x20-\x7e]{0,200}$/;
const str = (v: unknown): v is string => typeof v === 'string' && PRINTABLE_RE.test(v);

/** A journal header: format, id, created, kernel, driver, devices, and the host identity when recorded. */
export function parseHeader(v: unknown, where: string): Result<JournalHeader> {
  if (!isRecord(v) || own(v, 'format') !== 'dmaown-journal/1') return err('EINVAL', `${where}: line 1 is not a dmaown-journal/1 header`);
  for (const k of ['id', 'created', 'kernel'] as const) {
    if (!str(own(v, k))) return err('EINVAL', `${where}: header.${k} is ${shown(own(v, k), 60)}, not a printable string`);
  }
  const driver = own(v, 'driver');
  if (!checkField('driver', driver)) return err('EINVAL', `${where}: header.driver is ${shown(driver, 60)}, not a driver name`);
  const devices = parseDevices(own(v, 'devices'), `${where}: header.devices`);
  if (!devices.ok) return devices;
  const host = own(v, 'host');
  if (host !== undefined) {
    if (!isRecord(host) || !['machine', 'boot', 'kernel', 'devices'].every((k) => own(host, k) === null || str(own(host, k)))) {
      return err('EINVAL', `${where}: header.host must hold machine, boot, kernel and devices as strings or null`);
    }
  }
  return ok(v as unknown as JournalHeader);
}

/** A persistence root as the file port names it: a directory (or a label such as "(memory)"), printable. */
const isRootPath = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length < 4096 && !/[\u0000-\u001f\u007f]/.test(v);

const TERMINAL = new Set(['complete', 'rolled-back', 'restored', 'restore-incomplete', 'discarded']);

/** One journal line after the header. */
export function parseEntry(v: unknown, where: string): Result<JournalEntry> {
  if (!isRecord(v)) return err('EINVAL', `${where}: not an object`);
  const phase = own(v, 'phase'), seq = own(v, 'seq');
  const seqOk = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && seq < 100_000;
  switch (phase) {
    case 'begin': {
      if (!seqOk) return err('EINVAL', `${where}: begin.seq is ${shown(seq, 40)}, not a step number`);
      const a = parseAction(own(v, 'action'), `${where}: action`);
      if (!a.ok) return a;
      const inv = own(v, 'inverse');
      if (!Array.isArray(inv) || inv.length > 8) return err('EINVAL', `${where}: inverse must be a list of at most 8 actions`);
      const inverse: Action[] = [];
      for (const [i, x] of inv.entries()) {
        const r = parseAction(x, `${where}: inverse[${i}]`);
        if (!r.ok) return r;
        inverse.push(r.value);
      }
      return ok({ seq: seq as number, phase, action: a.value, inverse });
    }
    case 'done': {
      if (!seqOk) return err('EINVAL', `${where}: done.seq is ${shown(seq, 40)}, not a step number`);
      const skipped = own(v, 'skipped');
      if (skipped !== undefined && skipped !== true) return err('EINVAL', `${where}: done.skipped must be true when present`);
      return ok(skipped === true ? { seq: seq as number, phase, skipped } : { seq: seq as number, phase });
    }
    case 'failed':
      if (!seqOk) return err('EINVAL', `${where}: failed.seq is ${shown(seq, 40)}, not a step number`);
      return ok({ seq: seq as number, phase, errno: String(own(v, 'errno')).slice(0, 40), why: String(own(v, 'why')).slice(0, 1000) });
    case 'persist': {
      const file = own(v, 'file'), previous = own(v, 'previous'), encoding = own(v, 'encoding'), content = own(v, 'content'), root = own(v, 'root');
      if (typeof file !== 'string' || file.length > 4096) return err('EINVAL', `${where}: persist.file must be a path`);
      const text = (x: unknown): boolean => x === null || (typeof x === 'string' && x.length <= 1 << 20);
      if (!text(previous)) return err('EINVAL', `${where}: persist.previous must be the file's content (at most 1 MiB) or null`);
      if (content !== undefined && !text(content)) return err('EINVAL', `${where}: persist.content must be the file's new content (at most 1 MiB) or null`);
      if (encoding !== undefined && encoding !== 'base64') return err('EINVAL', `${where}: persist.encoding is ${shown(encoding, 40)}, not base64`);
      if (encoding === 'base64' && typeof previous === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(previous)) return err('EINVAL', `${where}: persist.previous is not base64`);
      if (root !== undefined && !isRootPath(root)) return err('EINVAL', `${where}: persist.root is ${shown(root, 60)}, not a directory name`);
      return ok(Object.fromEntries([['phase', phase], ['file', file], ['previous', previous],
        ...(encoding !== undefined ? [['encoding', encoding]] : []), ...(content !== undefined ? [['content', content]] : []),
        ...(root !== undefined ? [['root', root]] : [])]) as JournalEntry);
    }
    default:
      if (typeof phase === 'string' && TERMINAL.has(phase)) {
        const note = own(v, 'note');
        return ok((note === undefined ? { phase } : { phase, note: String(note).slice(0, 2000) }) as JournalEntry);
      }
      return err('EINVAL', `${where}: unknown phase ${shown(phase, 40)}`);
  }
}

/**
 * The inverse each action must have, given what the header says the device was before: the only
 * undo a journal may ask for. Null: this action kind has no journaled inverse rule (refused).
 */
export const INVERSE_OF: Readonly<Record<string, (a: Action, d: PlanDevice, h: JournalHeader) => readonly Action[] | null>> = {
  // apply sets the override to the journal's driver; release clears it.
  override: (a, d, h) => (a.op === 'override' && (a.value === h.driver || a.value === null) ? [{ op: 'override', bdf: d.bdf, value: d.driverOverride }] : null),
  unbind: (a, d) => (a.op === 'unbind' && a.driver === d.driver ? [{ op: 'override', bdf: d.bdf, value: d.driverOverride }, { op: 'bind', bdf: d.bdf, driver: a.driver }] : null),
  probe: (_a, d, h) => [{ op: 'unbind', bdf: d.bdf, driver: h.driver }],
  verify: (a, _d, h) => (a.op === 'verify' && a.driver === h.driver ? [] : null),
  // release: the dynamic id of the journal's driver, put back by new_id.
  'remove-id': (a, d, h) => (a.op === 'remove-id' && a.driver === h.driver ? [{ op: 'new-id', bdf: d.bdf, driver: a.driver, id: a.id }] : null),
  'verify-not': (a, _d, h) => (a.op === 'verify-not' && a.driver === h.driver ? [] : null),
};

/**
 * Steps on the host rather than on one device (no `bdf`), e.g. loading the journal's driver module:
 * the inverse each must have. A module-load action kind adds its row here (and its fields to
 * ACTION_FIELDS); until then such a step is refused.
 */
export const HOST_INVERSE_OF: Readonly<Record<string, (a: Action, h: JournalHeader) => readonly Action[] | null>> = {
  // The only module step dmaown takes: load the journal's own driver, undone by unloading it (only when nothing is bound to it).
  modprobe: (a, h) => (a.op === 'modprobe' && a.driver === h.driver ? [{ op: 'rmmod', driver: h.driver }] : null),
};

/** A second undo an action may have: a release's probe is undone by unbinding whatever driver the host chose. */
export const ALT_INVERSE_OF: Readonly<Record<string, (a: Action, d: PlanDevice, h: JournalHeader) => readonly Action[] | null>> = {
  probe: (_a, d) => [{ op: 'unbind-other', bdf: d.bdf, except: d.driver ?? '' }],
};

/**
 * What a journal may undo: every action and inverse on one of its own devices, each inverse exactly
 * the one its action implies (INVERSE_OF), steps numbered in order; persistence files only for its
 * own devices, below /etc (and below its persistence root when it records one). Errors: EPERM naming
 * the line and the entry that asks for more.
 */
export function checkAuthority(j: Journal, where: string): Result<void> {
  const byBdf = new Map(j.header.devices.map((d) => [d.bdf, d]));
  let line = 1;
  let root: string | undefined;
  for (const e of j.entries) {
    line++;
    const at = `${where}: line ${line}`;
    if (e.phase === 'begin') {
      const a = e.action;
      if (!isDeviceAction(a)) {
        // A step on the host rather than a device (a module load): its own table.
        const rule = Object.hasOwn(HOST_INVERSE_OF, a.op) ? HOST_INVERSE_OF[a.op] : undefined;
        const want = rule ? rule(a, j.header) : null;
        if (want === null) return err('EPERM', `${at}: ${a.op} ${shown(a.driver, 60)} is not a step dmaown takes for this journal's driver ${shown(j.header.driver, 60)}`);
        if (JSON.stringify(want) !== JSON.stringify(e.inverse)) return err('EPERM', `${at}: the inverse of ${a.op} is recorded as ${shown(e.inverse, 120)}, but what it undoes is ${shown(want, 120)} (a tampered journal)`);
        continue;
      }
      const d = byBdf.get(a.bdf);
      if (!d) return err('EPERM', `${at}: ${a.op} on ${a.bdf}, which is not one of the journal's devices`);
      const rule = Object.hasOwn(INVERSE_OF, a.op) ? INVERSE_OF[a.op] : undefined;
      const want = rule ? rule(a, d, j.header) : null;
      if (want === null) return err('EPERM', `${at}: ${a.op} ${a.bdf} is not a step dmaown takes for this journal's driver and devices`);
      const alt = Object.hasOwn(ALT_INVERSE_OF, a.op) ? ALT_INVERSE_OF[a.op]!(a, d, j.header) : null;
      if (JSON.stringify(want) !== JSON.stringify(e.inverse) && (alt === null || JSON.stringify(alt) !== JSON.stringify(e.inverse))) {
        return err('EPERM', `${at}: the inverse of ${a.op} ${a.bdf} is recorded as ${shown(e.inverse, 120)}, but what it undoes is ${shown(want, 120)} (a tampered journal)`);
      }
    } else if (e.phase === 'persist') {
      if (e.root !== undefined && root !== undefined && e.root !== root) return err('EPERM', `${at}: persistence root ${shown(e.root, 100)} differs from the journal's ${shown(root, 100)}`);
      root = e.root ?? root;
      const why = persistFileProblem(e.file, j.header);
      if (why !== null) return err('EPERM', `${at}: persistence file ${shown(e.file, 100)}: ${why}`);
    }
  }
  return ok(undefined);
}

/**
 * Where persistence files may be, relative to the persistence root: a driverctl file of one of the
 * journal's devices, or a *.conf of /etc/modprobe.d. One row per place.
 */
const PERSIST_PLACES: readonly { dir: string; name: RegExp; device: boolean }[] = [
  { dir: '/etc/driverctl.d', name: /^pci-([0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7])$/, device: true },
  { dir: '/etc/modprobe.d', name: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\.conf$/, device: false },
];

/** Why a journal may not touch `file` (a path below its persistence root), or null. */
export function persistFileProblem(file: string, h: JournalHeader): string | null {
  const slash = file.lastIndexOf('/');
  const dir = file.slice(0, slash), name = file.slice(slash + 1);
  const place = PERSIST_PLACES.find((p) => p.dir === dir && p.name.test(name));
  if (!place) return `not a persistence file dmaown writes (${PERSIST_PLACES.map((p) => `${p.dir}/`).join(', ')})`;
  if (place.device) {
    const bdf = place.name.exec(name)?.[1];
    if (!h.devices.some((d) => d.bdf === bdf)) return `${bdf} is not one of the journal's devices`;
  }
  return null;
}

/**
 * The ids a journal's remove_id/new_id steps name must be the ids of that device on this host: a
 * restore's new_id hands every unbound device with those ids to the driver, so a journal may name
 * only its own device's. Errors: EPERM naming the step.
 */
export function checkIdsOnHost(j: Journal, ids: (bdf: string) => { vendor: number; device: number } | undefined, where: string): Result<void> {
  for (const e of j.entries) {
    if (e.phase !== 'begin') continue;
    for (const a of [e.action, ...e.inverse]) {
      if (a.op !== 'remove-id' && a.op !== 'new-id') continue;
      const d = ids(a.bdf);
      const [v, dev] = a.id.split(' ').map((x) => parseInt(x, 16));
      if (!d || v !== d.vendor || dev !== d.device) {
        return err('EPERM', `${where}: step ${e.seq}: ${a.op} "${a.id}" for ${a.bdf}, whose ids on this host are ${d ? `${d.vendor.toString(16).padStart(4, '0')} ${d.device.toString(16).padStart(4, '0')}` : 'unknown'}`);
      }
    }
  }
  return ok(undefined);
}
