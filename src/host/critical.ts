import type { HostReader } from './live-port.js';

/**
 * Host-critical PCI devices: taking them from their driver would cut the user off the machine.
 * The rules the field converged on (spec/users.md, "Safe-binding rules"; dpdk-devbind refuses routed
 * NICs, SPDK's setup.sh skips mounted disks):
 * - the NIC of the default route (/proc/net/route, /proc/net/ipv6_route);
 * - the NIC that carries the current SSH session ($SSH_CONNECTION: the route to the client address);
 * - block devices that are mounted (/proc/self/mountinfo) or held by LVM/MD/dm (/sys/block/X/holders);
 * - the boot VGA device while a console is bound to it (/sys/class/vtconsole/vtconN/bind).
 * Network interfaces and block devices are traced to PCI through their /sys device links, through
 * bridges/bonds (brif/, lower_*) and stacked block devices (slaves/).
 */
export type CriticalDevices = Record<string, string[]>;

export interface CriticalEnv {
  readonly SSH_CONNECTION?: string | undefined;
}

export function findCriticalDevices(r: HostReader, env: CriticalEnv): CriticalDevices {
  const out: CriticalDevices = {};
  const add = (bdfs: readonly string[], why: string): void => {
    for (const b of bdfs) (out[b] ??= []).includes(why) || out[b]!.push(why);
  };
  const routes4 = parseRoute4(r), routes6 = parseRoute6(r);
  for (const rt of routes4) if (rt.mask === 0 && rt.dest === 0) add(netDevices(r, rt.iface), `NIC of the default route (${rt.iface})`);
  for (const rt of routes6) if (rt.plen === 0) add(netDevices(r, rt.iface), `NIC of the default route (${rt.iface}, IPv6)`);
  const client = env.SSH_CONNECTION?.trim().split(/\s+/)[0];
  if (client) {
    const iface = client.includes(':') ? route6For(routes6, client) : route4For(routes4, client);
    if (iface) add(netDevices(r, iface), `NIC of the current SSH session (${iface}, from ${client})`);
  }
  const mi = r.read('/proc/self/mountinfo');
  if (mi.ok) {
    for (const line of mi.value.split('\n')) {
      const f = line.split(' ');
      const majmin = f[2], mnt = f[4];
      if (!majmin || !mnt || majmin.startsWith('0:')) continue;
      add(blockDevices(r, `/sys/dev/block/${majmin}`, 0), `block device ${majmin} mounted on ${unescape(mnt)}`);
    }
  }
  const swaps = r.read('/proc/swaps');
  if (swaps.ok) {
    for (const line of swaps.value.split('\n').slice(1)) {
      const dev = line.split(/\s+/)[0];
      if (dev?.startsWith('/dev/')) add(blockDevices(r, `/sys/class/block/${dev.slice(5)}`, 0), `swap on ${dev}`);
    }
  }
  const disks = r.list('/sys/block');
  for (const d of disks.ok ? disks.value : []) {
    const parts = r.list(`/sys/block/${d}`);
    const names = [d, ...(parts.ok ? parts.value.filter((p) => p.startsWith(d) && p !== d) : [])];
    for (const n of names) {
      const h = r.list(n === d ? `/sys/block/${d}/holders` : `/sys/block/${d}/${n}/holders`);
      if (h.ok && h.value.length > 0) add(blockDevices(r, `/sys/block/${d}`, 0), `block device ${n} held by ${h.value.join(', ')}`);
    }
  }
  if (activeConsole(r)) {
    const devs = r.list('/sys/bus/pci/devices');
    for (const b of devs.ok ? devs.value : []) {
      const v = r.read(`/sys/bus/pci/devices/${b}/boot_vga`);
      if (v.ok && v.value.trim() === '1') add([b], 'boot VGA with an active console');
    }
  }
  return out;
}

interface Route4 { iface: string; dest: number; mask: number }
interface Route6 { iface: string; dest: string; plen: number }

function parseRoute4(r: HostReader): Route4[] {
  const t = r.read('/proc/net/route');
  if (!t.ok) return [];
  return t.value.split('\n').slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !f[0]) return [];
    return [{ iface: f[0], dest: parseInt(f[1] ?? '', 16) >>> 0, mask: parseInt(f[7] ?? '', 16) >>> 0 }];
  });
}

function parseRoute6(r: HostReader): Route6[] {
  const t = r.read('/proc/net/ipv6_route');
  if (!t.ok) return [];
  return t.value.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[9] === 'lo') return [];
    return [{ iface: f[9] ?? '', dest: f[0] ?? '', plen: parseInt(f[1] ?? '', 16) }];
  });
}

/** /proc/net/route stores addresses in host (little-endian) order. */
function ipv4Le(ip: string): number | null {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !(n >= 0 && n <= 255))) return null;
  return ((p[3]! << 24) | (p[2]! << 16) | (p[1]! << 8) | p[0]!) >>> 0;
}

function route4For(routes: Route4[], ip: string): string | null {
  const a = ipv4Le(ip);
  if (a === null) return null;
  let best: Route4 | null = null, bestBits = -1;
  for (const rt of routes) {
    if (((a & rt.mask) >>> 0) !== rt.dest) continue;
    const bits = popcount(rt.mask);
    if (bits > bestBits) { best = rt; bestBits = bits; }
  }
  return best?.iface ?? null;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x; x >>>= 1) c += x & 1;
  return c;
}

function ipv6Hex(ip: string): string | null {
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [], t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(Math.max(fill, 0)).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return groups.map((g) => g.padStart(4, '0')).join('').toLowerCase();
}

function route6For(routes: Route6[], ip: string): string | null {
  const a = ipv6Hex(ip);
  if (!a) return null;
  const bits = (h: string): string => [...h].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  const ab = bits(a);
  let best: Route6 | null = null;
  for (const rt of routes) {
    if (ab.slice(0, rt.plen) === bits(rt.dest).slice(0, rt.plen) && (!best || rt.plen > best.plen)) best = rt;
  }
  return best?.iface ?? null;
}

const BDF_IN_PATH = /[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/g;

/** The PCI device nearest the leaf in a /sys device path, if any. */
function lastBdf(path: string): string | null {
  const all = path.match(BDF_IN_PATH);
  return all ? all[all.length - 1] ?? null : null;
}

/** PCI devices under a network interface: its device link, or the ports of a bridge/bond/vlan. */
function netDevices(r: HostReader, iface: string, depth = 0): string[] {
  const dev = r.readLink(`/sys/class/net/${iface}/device`);
  if (dev.ok) { const b = lastBdf(dev.value); return b ? [b] : []; }
  if (depth > 3) return [];
  const out: string[] = [];
  const brif = r.list(`/sys/class/net/${iface}/brif`);
  for (const p of brif.ok ? brif.value : []) out.push(...netDevices(r, p, depth + 1));
  const all = r.list(`/sys/class/net/${iface}`);
  for (const e of all.ok ? all.value : []) if (e.startsWith('lower_')) out.push(...netDevices(r, e.slice(6), depth + 1));
  return out;
}

/** PCI devices under a block device, following dm/md `slaves/`. */
function blockDevices(r: HostReader, sysPath: string, depth: number): string[] {
  const l = r.readLink(sysPath);
  if (!l.ok) return [];
  const b = lastBdf(l.value);
  if (b) return [b];
  if (depth > 4) return [];
  const s = r.list(`${sysPath}/slaves`);
  return (s.ok ? s.value : []).flatMap((n) => blockDevices(r, `/sys/class/block/${n}`, depth + 1));
}

/** A console (fbcon or vgacon) bound to a VT: the boot VGA device is showing it. */
function activeConsole(r: HostReader): boolean {
  const l = r.list('/sys/class/vtconsole');
  for (const c of l.ok ? l.value : []) {
    const bind = r.read(`/sys/class/vtconsole/${c}/bind`), name = r.read(`/sys/class/vtconsole/${c}/name`);
    if (bind.ok && bind.value.trim() === '1' && name.ok && !/dummy/i.test(name.value)) return true;
  }
  return false;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
