import { err, ok, type Result } from '../model/errno.js';
import { readText, type FilePort } from '../host/file-port.js';
import type { FileChange, InitramfsCommand, PersistInput, PersistPlan } from './persist.js';
import { changeTo } from './persist.js';
import { parseVfioIds } from './vfio-ids.js';

/**
 * `--persist=modprobe`: /etc/modprobe.d/dmaown-vfio-pci.conf with `options vfio-pci ids=…` (merged with
 * the ids an earlier run put there) and `softdep D pre: vfio-pci` for every driver D the devices are
 * on now, so that vfio-pci is loaded — and claims them by id — before D at boot. modprobe.d is read
 * by modprobe from the initramfs too, so the initramfs is rebuilt with the distribution's tool.
 */
export const MODPROBE_FILE = '/etc/modprobe.d/dmaown-vfio-pci.conf';
export const MODPROBE_DIR = '/etc/modprobe.d';
const HEADER = '# Written by dmaown: bind these devices to vfio-pci at boot (undo: dmaown restore, or dmaown release).\n';

/** `options vfio-pci ids=` / `options vfio_pci ids=` lines of a modprobe.d file: their ids values. */
export function optionsIds(text: string, module: string): string[] {
  const mod = module.replace(/-/g, '_');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] !== 'options' || (w[1] ?? '').replace(/-/g, '_') !== mod) continue;
    for (const p of w.slice(2)) if (p.startsWith('ids=')) out.push(p.slice(4));
  }
  return out;
}

/** Module names for drivers whose name differs from their module's, when sysfs cannot say. */
const MODULE_OF: Readonly<Record<string, string>> = {
  xhci_hcd: 'xhci_pci', 'ehci-pci': 'ehci_pci', 'ohci-pci': 'ohci_pci', 'nvidia-gpu': 'i2c_nvidia_gpu', 'ahci': 'ahci',
  'snd_hda_intel': 'snd_hda_intel', 'i801_smbus': 'i2c_i801', 'intel-spi': 'spi_intel_pci',
};

/** The module a driver lives in: /sys/bus/pci/drivers/D/module's target, else the table above, else D. */
export function moduleOf(input: PersistInput, driver: string): string {
  const l = input.sysfs?.readLink(`/sys/bus/pci/drivers/${driver}/module`);
  if (l?.ok) return l.value.split('/').pop() ?? driver;
  return MODULE_OF[driver] ?? driver.replace(/-/g, '_');
}

export function modprobeChanges(input: PersistInput, ids: readonly string[]): Result<Omit<PersistPlan, 'method'> & { method: 'modprobe' }> {
  const warnings: string[] = [], notes: string[] = [];
  // Other files that already set the ids: modprobe passes every ids= it finds and the module keeps the last.
  const names = input.files.list(MODPROBE_DIR);
  if (!names.ok && names.errno !== 'ENOENT') return err(names.errno, `${MODPROBE_DIR} cannot be listed (${names.why})`);
  let mine: string[] = [];
  for (const n of names.ok ? names.value : []) {
    if (!n.endsWith('.conf')) continue;
    const path = `${MODPROBE_DIR}/${n}`;
    const t = readText(input.files, path);
    if (!t.ok) return err(t.errno, `${path} exists but cannot be read (${t.why}): it may already set vfio-pci options`);
    const found = optionsIds(t.value, input.driver);
    if (path === MODPROBE_FILE) mine = found.flatMap((v) => parseVfioIds(v).map((i) => i.text));
    else if (found.length > 0) warnings.push(`${path} already sets ${input.driver} ids=${found.join(',')}: modprobe passes both and the module keeps the last ids= — merge them into one line`);
  }
  const all = [...mine, ...ids.filter((i) => !mine.includes(i))];
  const softdeps = [...new Set(input.devices.map((d) => d.driver).filter((d): d is string => d !== null && d !== input.driver && d !== 'pci-stub' && d !== 'vfio-pci'))]
    .map((d) => moduleOf(input, d));
  const existingSoftdeps = new Set<string>();
  const cur = input.files.read(MODPROBE_FILE);
  if (cur.ok) for (const line of Buffer.from(cur.value).toString('utf8').split('\n')) { const m = /^softdep (\S+) pre: /.exec(line); if (m) existingSoftdeps.add(m[1]!); }
  const deps = [...existingSoftdeps, ...softdeps.filter((s) => !existingSoftdeps.has(s))];
  const content = `${HEADER}options ${input.driver} ids=${all.join(',')}\n${deps.map((s) => `softdep ${s} pre: ${input.driver}\n`).join('')}`;
  const c = changeTo(input.files, MODPROBE_FILE, content);
  if (!c.ok) return c;
  const changes: FileChange[] = c.value ? [c.value] : [];
  if (!c.value) notes.push(`${MODPROBE_FILE} already holds these ids`);
  const initramfs = initramfsCommand(input.files);
  if (!initramfs.ok) return initramfs;
  if (initramfs.value) notes.push(`modprobe reads /etc/modprobe.d from the initramfs too: rebuild it with \`${initramfs.value.argv.join(' ')}\` (${initramfs.value.distribution}; dmaown runs it only with --update-initramfs)`);
  else notes.push('distribution not recognised (/etc/os-release): rebuild the initramfs with its tool (update-initramfs -u, dracut -f, mkinitcpio -P) so that early drivers see these options');
  if (deps.length > 0) notes.push(`the softdep lines load ${input.driver} before ${deps.join(', ')}; a driver built into the kernel ignores them (use --persist=driverctl then)`);
  return ok({ method: 'modprobe', changes, kernelParams: [], notes, warnings, refusals: [], initramfs: initramfs.value });
}

/**
 * The initramfs command of the distribution in /etc/os-release (ID, then ID_LIKE): update-initramfs
 * (Debian, Ubuntu), dracut (Fedora, RHEL, SUSE), mkinitcpio (Arch). Null when absent or unknown;
 * an os-release that exists but cannot be read is an error.
 */
export function initramfsCommand(files: FilePort): Result<InitramfsCommand | null> {
  const t = readText(files, '/etc/os-release');
  if (!t.ok) return t.errno === 'ENOENT' ? ok(null) : err(t.errno, `/etc/os-release exists but cannot be read (${t.why})`);
  const raw = (k: string): string => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(t.value);
    return m ? m[1]!.trim().replace(/^["']|["']$/g, '') : '';
  };
  const ids = `${raw('ID')} ${raw('ID_LIKE')}`.toLowerCase().split(/\s+/).filter((x) => x !== '');
  const name = raw('PRETTY_NAME') || ids[0] || 'unknown';
  for (const id of ids) {
    if (id === 'debian' || id === 'ubuntu') return ok({ distribution: name, argv: ['update-initramfs', '-u', '-k', 'all'] });
    if (['fedora', 'rhel', 'centos', 'suse', 'opensuse', 'sles'].includes(id)) return ok({ distribution: name, argv: ['dracut', '--force', '--regenerate-all'] });
    if (id === 'arch') return ok({ distribution: name, argv: ['mkinitcpio', '-P'] });
  }
  return ok(null);
}
