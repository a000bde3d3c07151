import { err, ok, type Errno, type Result } from '../model/errno.js';
import { kernelVersion } from '../model/profiles.js';
import { parseCaptureJson } from './capture-json.js';
import { scanCaptureFile } from './capture-scan.js';
import { withTable } from './capture-entries.js';
import { isErrno } from '../model/errno.js';
import { INPUT_LIMITS, readInputFile } from './input-file.js';
import { shown } from './shown.js';

/** The `format` string of the capture files this reader understands. */
export const SYSFS_CAPTURE_FORMAT = 'sysfs-capture/1';

/** One captured sysfs node (see ../shared/formats/sysfs-capture.md). */
export type CaptureEntry =
  | string
  | { readonly hex: string }
  | { readonly link: string }
  | { readonly dir: true }
  | { readonly error: Errno };

/** A parsed `sysfs-capture/1` file. Unknown top-level fields are kept in `extra`, verbatim. */
export interface SysfsCapture {
  readonly format: typeof SYSFS_CAPTURE_FORMAT;
  readonly kernel: string;
  readonly cmdline: readonly string[];
  /** Keys are paths relative to /sys, without a leading slash. */
  readonly entries: Readonly<Record<string, CaptureEntry>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}


function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Empty, absolute, or with an empty, '.' or '..' component. */
const BAD_KEY_RE = /^$|^\/|\/$|\/\/|(^|\/)\.\.?(\/|$)/;

const LOWER_HEX_RE = /^[0-9a-f]*$/;
/** Control characters never appear in a sysfs path or link target. */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
/** A kernel release as uname -r prints it: printable, at most 128 characters (and MAJOR.MINOR first: `kernelVersion`). */
const RELEASE_CHARS_RE = /^[\x21-\x7e]{1,128}$/;

function checkEntry(file: string, key: string, v: unknown): Result<CaptureEntry> {
  const where = `${file}: entry ${shown(key)}`;
  if (CONTROL_RE.test(key) || key.length > 4096) return err('EINVAL', `${where}: key has control characters or is longer than 4096`);
  if (BAD_KEY_RE.test(key)) {
    return err('EINVAL', `${where}: key must be a path relative to /sys without '.', '..' or empty components`);
  }
  if (typeof v === 'string') return ok(v);
  if (!isRecord(v)) return err('EINVAL', `${where}: value must be a string or an object, got ${shown(v, 60)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1) return err('EINVAL', `${where}: object must have exactly one of hex/link/dir/error, got {${keys.slice(0, 4).map((k) => shown(k, 20)).join(',')}${keys.length > 4 ? ',…' : ''}}`);
  if ('hex' in v) {
    const h = v['hex'];
    if (typeof h !== 'string' || h.length % 2 !== 0) return err('EINVAL', `${where}: "hex" must be an even-length string of hex digits`);
    if (LOWER_HEX_RE.test(h)) return ok(v as { hex: string }); // the normal form: one scan, no copy
    if (!/^[0-9a-fA-F]*$/.test(h)) return err('EINVAL', `${where}: "hex" must be an even-length string of hex digits`);
    return ok({ hex: h.toLowerCase() });
  }
  if ('link' in v) {
    const l = v['link'];
    if (typeof l !== 'string' || l === '' || l.length > 4096 || CONTROL_RE.test(l)) return err('EINVAL', `${where}: "link" must be a non-empty string without control characters`);
    return ok(v as { link: string });
  }
  if ('dir' in v) {
    if (v['dir'] !== true) return err('EINVAL', `${where}: "dir" must be true`);
    return ok(v as { dir: true });
  }
  if ('error' in v) {
    const e = v['error'];
    if (!isErrno(e)) return err('EINVAL', `${where}: "error" must be an errno name, got ${shown(e, 40)}`);
    return ok(v as { error: Errno });
  }
  return err('EINVAL', `${where}: unknown value kind ${shown(keys[0] ?? '', 40)}`);
}

/**
 * Validates a parsed JSON value as a `sysfs-capture/1`. `file` names the source in messages.
 * Errors: EINVAL naming the file and, for a bad entry, the entry key. Never throws.
 */
export function validateCapture(json: unknown, file = '<capture>'): Result<SysfsCapture> {
  if (!isRecord(json)) return err('EINVAL', `${file}: top level must be a JSON object`);
  if (json['format'] !== SYSFS_CAPTURE_FORMAT) {
    return err('EINVAL', `${file}: "format" must be "${SYSFS_CAPTURE_FORMAT}", got ${shown(json['format'] ?? null, 60)}`);
  }
  const kernel = json['kernel'];
  if (typeof kernel !== 'string' || kernel === '') return err('EINVAL', `${file}: missing "kernel" (uname -r of the captured host)`);
  if (!RELEASE_CHARS_RE.test(kernel) || !kernelVersion(kernel).ok) return err('EINVAL', `${file}: "kernel" is ${shown(kernel, 60)}, not a kernel release as uname -r prints it (e.g. 6.1.0-56-amd64)`);
  const cmdlineRaw = json['cmdline'] ?? [];
  if (!Array.isArray(cmdlineRaw) || !cmdlineRaw.every((s) => typeof s === 'string')) {
    return err('EINVAL', `${file}: "cmdline" must be an array of strings`);
  }
  const entriesRaw = json['entries'];
  if (!isRecord(entriesRaw)) return err('EINVAL', `${file}: missing "entries" object`);
  // Not Object.entries: no pair per entry. A prototype-less entries object (parseCaptureJson makes
  // one) whose entries are all in normal form is kept as it is instead of copied.
  const keys = Object.keys(entriesRaw);
  let same = Object.getPrototypeOf(entriesRaw) === null;
  const checked: CaptureEntry[] = new Array<CaptureEntry>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const raw = entriesRaw[keys[i] as string];
    const r = checkEntry(file, keys[i] as string, raw);
    if (!r.ok) return r;
    checked[i] = r.value;
    if (r.value !== raw) same = false;
  }
  let entries = entriesRaw as Record<string, CaptureEntry>;
  if (!same) {
    entries = Object.create(null) as Record<string, CaptureEntry>;
    for (let i = 0; i < keys.length; i++) entries[keys[i] as string] = checked[i] as CaptureEntry;
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    // defineProperty: a member named "__proto__" stays data, never the prototype `extra` inherits from.
    if (!['format', 'kernel', 'cmdline', 'entries'].includes(k)) Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return ok({ format: SYSFS_CAPTURE_FORMAT, kernel, cmdline: cmdlineRaw as string[], entries, extra });
}

/** Parses capture text (JSON). Broken JSON → EINVAL naming the file and the parser's message. */
export function parseCapture(text: string, file = '<capture>'): Result<SysfsCapture> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err('EINVAL', `${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateCapture(json, file);
}

/**
 * Reads and parses a capture file; fs errors keep their errno (ENOENT, EACCES, EISDIR, ...). A capture
 * of the usual shape is read in one pass straight into the table its port answers from
 * (`scanCaptureFile`: a window of the file at a time, config decoded to bytes); anything else —
 * including every error — is read as bytes and parsed in pieces (`parseCaptureJson`), so its size is
 * bounded by Node's 2 GiB file read, not by V8's ~512 MiB string limit; a larger file is EIO with
 * Node's message naming it. Both ways give the same capture; `entries` of the first is made on demand.
 */
export function readCaptureFile(file: string): Result<SysfsCapture> {
  const fast = scanCaptureFile(file);
  if (fast !== null) {
    const head = validateCapture(fast.top, file);
    if (head.ok) return ok(withTable(head.value, fast.table));
  }
  return readCaptureFileWhole(file);
}

/** `readCaptureFile` without the one-pass reader: the whole file, parsed, then validated. */
export function readCaptureFileWhole(file: string): Result<SysfsCapture> {
  const r = readInputFile(file, { what: 'capture', maxBytes: INPUT_LIMITS.capture });
  if (!r.ok) return r;
  const json = parseCaptureJson(r.value, file);
  return json.ok ? validateCapture(json.value, file) : json;
}
