import { createHash } from 'node:crypto';
import type { HostReader } from '../host/live-port.js';
import type { HostDescription } from '../model/host-description.js';

/**
 * Which host and boot a journal was written on: a hash of /etc/machine-id (the id itself is not
 * kept), the boot id (/proc/sys/kernel/random/boot_id), the kernel release, and a hash of the set of
 * PCI functions with their ids. A journal from another host is refused; one from an earlier boot
 * only still applies to its persistence files (driver bindings do not survive a reboot).
 */
export interface HostIdentity {
  readonly machine: string | null;
  readonly boot: string | null;
  readonly kernel: string;
  readonly devices: string;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

function small(files: HostReader | null, path: string, re: RegExp): string | null {
  const r = files?.read(path);
  if (r === undefined || !r.ok || r.value.length > 256) return null;
  const t = r.value.trim();
  return re.test(t) ? t : null;
}

/**
 * The identity of the host whose root `files` reads (a live host's or a tree's: /etc, /proc),
 * described as `host`; without files (a capture) the machine and boot are unknown (null).
 */
export function hostIdentity(files: HostReader | null, host: HostDescription): HostIdentity {
  const machine = small(files, '/etc/machine-id', /^[0-9a-f]{32}$/);
  const boot = small(files, '/proc/sys/kernel/random/boot_id', /^[0-9a-f-]{36}$/);
  const ids = host.pci.map((d) => `${d.bdf} ${hex(d.vendor)}:${hex(d.device)} ${hex(d.subsystemVendor)}:${hex(d.subsystemDevice)} ${d.class.toString(16)}`).sort();
  return { machine: machine === null ? null : sha(machine), boot, kernel: host.kernel, devices: sha(ids.join('\n')) };
}

const hex = (n: number): string => n.toString(16).padStart(4, '0');

export type IdentityVerdict =
  | { readonly kind: 'same' }
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'other-host'; readonly why: string }
  | { readonly kind: 'earlier-boot'; readonly why: string };

/** Compare the identity a journal recorded with this host's. */
export function compareIdentity(recorded: HostIdentity | undefined, now: HostIdentity): IdentityVerdict {
  if (recorded === undefined) return { kind: 'unknown', why: 'the journal records no host identity (written by an earlier dmaown)' };
  const other: string[] = [];
  if (recorded.machine !== null && now.machine !== null && recorded.machine !== now.machine) other.push('its machine-id differs from this host\'s');
  if (recorded.devices !== now.devices) other.push('the PCI functions and their ids differ from this host\'s');
  if (recorded.boot !== null && recorded.boot === now.boot && recorded.kernel !== now.kernel) other.push(`it was written on kernel ${recorded.kernel}, this boot runs ${now.kernel}`);
  if (other.length > 0) return { kind: 'other-host', why: `the journal was written on another host: ${other.join('; ')}` };
  if (recorded.boot !== null && now.boot !== null && recorded.boot !== now.boot) {
    return { kind: 'earlier-boot', why: `the journal was written during an earlier boot (boot id ${recorded.boot}, now ${now.boot}${recorded.kernel !== now.kernel ? `; kernel ${recorded.kernel}, now ${now.kernel}` : ''}): the driver bindings it made did not survive the reboot, only its persistence files still apply` };
  }
  return { kind: 'same' };
}
