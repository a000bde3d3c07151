/**
 * A counterexample as a dmaown-trace/1 (../shared/formats/trace.md): the ops of the path replayed on a
 * fresh kernel, every system call with the model's answer, descriptors under labels (`group`, `container1`,
 * `dev1-fd` …). The `host` is the sysfs-capture/1 of the group's host, written by the capture writer from the
 * booted model itself, so `dmaown conform` rebuilds the same kernel — and the recorder could replay the same
 * calls on a real one.
 */
import { createKernel, type Kernel, type Result, type SysResult } from '../model/index.js';
import type { HostDescription } from '../model/host-description.js';
import { writeCapture, type SysfsPort } from '../host/index.js';
import { opName, type Alphabet, type GroupSpec, type Op } from './ops.js';
import { runOp } from './run-op.js';

/** The booted model as a sysfs port, with the /proc files a capture keeps (release, the IOMMU/VFIO/PCI command line). */
function kernelPort(kernel: Kernel, desc: HostDescription, release: string): SysfsPort {
  const proc: Record<string, string> = { '/proc/sys/kernel/osrelease': `${release}\n`, '/proc/cmdline': `${desc.cmdline.join(' ')}\n` };
  // Reads never block or oops; an answer that did is an I/O error to the capture writer.
  const res = <T>(r: SysResult<T>): Result<T> => (r.ok ? { ok: true, value: r.value } : { ok: false, errno: r.errno === 'oops' || r.errno === 'blocked' ? 'EIO' : r.errno, why: r.why });
  return {
    read: (p) => (p in proc ? { ok: true, value: proc[p] as string } : res(kernel.read(p))),
    readBytes: (p) => res(kernel.readBytes(p)),
    readLink: (p) => res(kernel.readLink(p)),
    list: (p) => res(kernel.list(p)),
    write: () => ({ ok: false, errno: 'EROFS', why: 'read-only' }),
  };
}

/** The sysfs-capture/1 object of a host as the model boots it. Throws Error when the capture writer refuses (a model bug). */
export function captureOf(desc: HostDescription, release: string): Record<string, unknown> {
  const kernel = createKernel(desc, { release });
  const c = writeCapture(kernelPort(kernel, desc, release));
  if (!c.ok) throw new Error(`capture of the verified host: ${c.why}`);
  return JSON.parse(JSON.stringify(c.value)) as Record<string, unknown>;
}

export interface TraceInput {
  readonly desc: HostDescription;
  readonly release: string;
  readonly spec: GroupSpec;
  readonly alphabet: Alphabet;
  readonly path: readonly Op[];
  readonly title: string;
  /** Note on the last step (the violation). */
  readonly note: string;
}

function kindLabel(kind: string, device: string | undefined, spec: GroupSpec): string {
  const i = device === undefined ? -1 : spec.devices.indexOf(device);
  switch (kind) {
    case 'vfio-group': return 'group';
    case 'vfio-container': return 'container';
    case 'vfio-device': return `dev${i}-fd`;
    case 'vfio-cdev': return `dev${i}-cdev`;
    case 'iommufd': return 'iommufd';
    default: return kind;
  }
}

/** Replays `path` and writes it as a trace object. */
export function counterexampleTrace(t: TraceInput): Record<string, unknown> {
  const kernel = createKernel(t.desc, { release: t.release });
  const labels = new Map<number, string>();
  const used = new Map<string, number>();
  const label = (o: { fd: number; kind: string; device?: string }): string => {
    const fd = o.fd;
    const base = kindLabel(o.kind, o.device, t.spec);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const l = n === 1 ? base : `${base}${n}`;
    labels.set(fd, l);
    return l;
  };
  const fdLabel = (fd: number | undefined): string => (fd === undefined ? 'none' : labels.get(fd) ?? `fd${fd}`);
  const steps: Record<string, unknown>[] = [];
  const blockedLabels = new Map<string, string>();
  t.path.forEach((op, i) => {
    const r = runOp(kernel, t.spec, op, t.alphabet);
    r.calls.forEach((c, j) => {
      const s = c.sys;
      const step: Record<string, unknown> = { call: s.call };
      if (s.path !== undefined) step['path'] = s.path;
      if (s.data !== undefined) step['data'] = s.data;
      if (s.call === 'close' || s.call === 'ioctl') step['fd'] = fdLabel(s.fd);
      if (s.request !== undefined) step['request'] = s.request;
      if (s.arg !== undefined) {
        const arg: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(s.arg)) arg[key] = (key === 'fd' || key === 'iommufd') && typeof v === 'number' ? fdLabel(v) : v;
        step['arg'] = arg;
      }
      if (s.call === 'close' && s.fd !== undefined) labels.delete(s.fd);
      if (s.call === 'open') step['fd'] = c.opened ? label(c.opened) : `failed-open${i + 1}`;
      if (s.fdOut) step['fdOut'] = c.opened ? label(c.opened) : `failed-fd${i + 1}`;
      if (s.call === 'wait') step['id'] = blockedLabels.get(s.id ?? '') ?? s.id;
      if (c.blockedId !== undefined) { const l = `blocked${blockedLabels.size + 1}`; blockedLabels.set(c.blockedId, l); step['id'] = l; }
      step['result'] = c.result;
      if (j === 0) step['note'] = `op ${i + 1}: ${opName(op)}`;
      if (i === t.path.length - 1 && j === r.calls.length - 1) step['note'] = `op ${i + 1}: ${opName(op)} — ${t.note}`;
      steps.push(step);
    });
  });
  return {
    format: 'dmaown-trace/1', title: t.title, kernel: t.release,
    source: 'dmaown verify: the shortest counterexample found by exhaustive search, with the model\'s answers',
    host: captureOf(t.desc, t.release), steps,
  };
}
