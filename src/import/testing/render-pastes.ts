import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeCapture, type CaptureEntry, type SysfsCapture } from '../../host/index.js';
import type { HostDescription } from '../../model/host-description.js';
import { descsFromLoop, synthPastes } from './synth-pastes.js';

/** The Arch wiki listing (wiki.archlinux.org/title/PCI_passthrough_via_OVMF, "Ensuring that the groups are valid"). */
export const ARCH_LOOP = `shopt -s nullglob
for g in $(find /sys/kernel/iommu_groups/* -maxdepth 0 -type d | sort -V); do
    echo "IOMMU Group \${g##*/}:"
    for d in $g/devices/*; do
        echo -e "\\t$(lspci -nns \${d##*/})"
    done;
done;`;

/** The wiki's older one-line variant: glob order (lexical: 0, 1, 10, 11, …, 2). */
export const FLAT_LOOP = `shopt -s nullglob
for d in /sys/kernel/iommu_groups/*/devices/*; do
    n=\${d#*/iommu_groups/*}; n=\${n%%/*}
    printf 'IOMMU Group %s ' "$n"
    lspci -nns "\${d##*/}"
done;`;

/** What the real tools print for a capture, by fixture name → argv run with the capture as /sys. */
export const REAL_RENDERS: Readonly<Record<string, readonly string[]>> = {
  'arch-loop.txt': ['bash', '-c', ARCH_LOOP],
  'flat-loop.txt': ['bash', '-c', FLAT_LOOP],
  'lspci-nnk.txt': ['lspci', '-nnk'],
  'lspci-vvv.txt': ['lspci', '-vvv'],
  'lspci-vmm.txt': ['lspci', '-vmm', '-nn', '-k'],
  'lspci-tv.txt': ['lspci', '-tv'],
};

/**
 * One entry as the tree for lspci gets it. Config is cut to 64 bytes for an unprivileged render. The
 * bundled samples write `driver` and `iommu_group` links three levels up whatever the depth (dmaown's
 * resolver lands on the same basename; a real readlink -f does not): re-rooted here so lspci sees them.
 */
function renderEntry(key: string, v: CaptureEntry, unprivileged: boolean): CaptureEntry {
  if (unprivileged && key.endsWith('/config') && typeof v === 'object' && 'hex' in v) return { hex: v.hex.slice(0, 128) };
  if (key.startsWith('devices/') && /\/(driver|iommu_group|physfn)$/.test(key) && typeof v === 'object' && 'link' in v && v.link.startsWith('../')) {
    const target = v.link.replace(/^(\.\.\/)+/, '');
    if (/^(bus|kernel|devices)\//.test(target)) return { link: `${'../'.repeat(key.split('/').length - 1)}${target}` };
  }
  return v;
}

/**
 * Why rendering cannot run here, or null. `package`: a Debian package is missing (pciutils,
 * util-linux); `environment`: not root, or mount namespaces are not permitted (a container without
 * CAP_SYS_ADMIN) — nothing a package install fixes.
 */
export function renderUnavailable(): { readonly kind: 'package' | 'environment'; readonly why: string } | null {
  for (const t of ['lspci', 'unshare', 'bash']) {
    try { execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); } catch { return { kind: 'package', why: `${t} not installed (apt-get install pciutils util-linux)` }; }
  }
  if (process.getuid?.() !== 0) return { kind: 'environment', why: 'needs root (unshare -m and mount --bind)' };
  try { execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' }); } catch { return { kind: 'environment', why: 'unshare --mount is not permitted here (no CAP_SYS_ADMIN)' }; }
  return null;
}

/**
 * Writes `capture` out as a /sys tree and runs each of `REAL_RENDERS` with that tree bind-mounted on
 * /sys in a private mount namespace (as scripts/bench/ does), answering name → stdout. `unprivileged`
 * keeps only the first 64 bytes of every config file, which is what sysfs gives a reader without
 * root, so `lspci -vvv` prints `<access denied>`. lspci also needs `irq` and `resource`, which
 * captures do not carry: written as "0" and empty resources.
 */
export function renderPastes(capture: SysfsCapture, opts: { readonly unprivileged?: boolean; readonly only?: readonly string[] } = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-render-'));
  try {
    const entries = Object.fromEntries(Object.entries(capture.entries).map(([k, v]) => [k, renderEntry(k, v, opts.unprivileged === true)]));
    const m = materializeCapture({ ...capture, entries }, dir);
    if (!m.ok) throw new Error(m.why);
    const devs = join(m.value.sysRoot, 'bus/pci/devices');
    for (const bdf of existsSync(devs) ? readdirSync(devs) : []) {
      const real = realpathSync(join(devs, bdf));
      if (!existsSync(join(real, 'irq'))) writeFileSync(join(real, 'irq'), '0\n');
      if (!existsSync(join(real, 'resource'))) writeFileSync(join(real, 'resource'), '0x0000000000000000 0x0000000000000000 0x0000000000000000\n'.repeat(13));
    }
    const out: Record<string, string> = {};
    for (const [name, argv] of Object.entries(REAL_RENDERS)) {
      if (opts.only && !opts.only.includes(name)) continue;
      out[name] = execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /sys && shift && exec "$@"', 'sh', m.value.sysRoot, ...argv],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hosts whose renders are committed under fixtures/pastes/rendered/<name>/ (captures from ../shared/hosts and samples/). */
export const RENDERED_HOSTS: Readonly<Record<string, string>> = {
  'qemu-q35-6.1': '../shared/hosts/qemu-q35-6.1.json',
  'amd-x570-rtx2060s-5.15': '../shared/hosts/amd-x570-rtx2060s-5.15.json',
  'desktop-gpu': 'samples/desktop-gpu.json',
  'server-sriov': 'samples/server-sriov.json',
};

/**
 * Every fixture of one host: the real tools' output (`REAL_RENDERS`), `lspci -vvv` as an
 * unprivileged user sees it, and the synthesized formats (`synthPastes`) named after the loop's text.
 */
export function renderAll(capture: SysfsCapture, host: HostDescription): Record<string, string> {
  const real = renderPastes(capture);
  const nonroot = renderPastes(capture, { unprivileged: true, only: ['lspci-vvv.txt'] });
  return { ...real, 'lspci-vvv-nonroot.txt': nonroot['lspci-vvv.txt'] ?? '', ...synthPastes(host, descsFromLoop(real['arch-loop.txt'] ?? '')) };
}
