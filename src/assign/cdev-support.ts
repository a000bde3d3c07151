import { profileFor } from '../model/profiles.js';
import type { HostReader } from '../host/live-port.js';
import type { LoadedHost } from './source.js';
import { modelKernel } from './simulate.js';

/**
 * Can user space open this host's devices through the vfio device cdev (`/dev/vfio/devices/vfioN`
 * with an iommufd, spec §6.5)? Two conditions: the kernel's profile has the cdev (C: 6.6+), and the
 * kernel was built with CONFIG_VFIO_DEVICE_CDEV — which the host shows, in order of strength:
 *
 * 1. sysfs: a registered vfio device (`/sys/class/vfio-dev/vfioN`, every vfio device since 6.1) has a
 *    `dev` attribute iff it has a dev_t, and it has one iff the cdev is built in
 *    (drivers/vfio/device_cdev.c `vfio_init_device_cdev()` sets `device->device.devt`; 6.6–6.12);
 * 2. live hosts and trees: `/dev/vfio/devices` exists; `/boot/config-<release>` says
 *    `CONFIG_VFIO_DEVICE_CDEV=y` or not; no `/dev/iommu` means iommufd is not even loaded;
 * 3. captures and samples record only /sys: the model's build of this release decides (Debian's 6.12
 *    `+deb` kernels are built without IOMMUFD), and the answer says it is an assumption.
 *
 * An undecided live host is refused: `--via group` always works where the cdev would.
 */
export interface CdevSupport {
  readonly ok: boolean;
  /** The evidence, or what is missing and what to do. */
  readonly why: string;
}

export interface CdevSupportInput {
  readonly kernel: string;
  /** The host's /sys (a live port, a tree or a capture). */
  readonly sysfs: Pick<HostReader, 'read' | 'list'>;
  /** Files below the host's root (/dev, /boot) for live hosts and trees; null for captures. */
  readonly files: HostReader | null;
  /** Whether the model's kernel for this release has the cdev (CONFIG_VFIO_DEVICE_CDEV as the model builds it). */
  readonly modelCdev: () => boolean;
}

export function cdevSupport(x: CdevSupportInput): CdevSupport {
  const p = profileFor(x.kernel);
  if (!p.ok) return { ok: false, why: `${p.why}` };
  if (!p.value.vfioDeviceCdev) {
    return { ok: false, why: `kernel ${x.kernel} has no vfio device cdev: /dev/vfio/devices/vfioN came with Linux 6.6 (CONFIG_VFIO_DEVICE_CDEV)` };
  }
  const cls = x.sysfs.list('/sys/class/vfio-dev');
  const vdevs = cls.ok ? cls.value : [];
  if (vdevs.length > 0) {
    const withDev = vdevs.find((n) => x.sysfs.read(`/sys/class/vfio-dev/${n}/dev`).ok);
    if (withDev !== undefined) return { ok: true, why: `/sys/class/vfio-dev/${withDev}/dev exists: vfio devices get a cdev (/dev/vfio/devices/${withDev})` };
    if (x.files !== null || !x.modelCdev()) {
      return { ok: false, why: `/sys/class/vfio-dev/${vdevs[0] ?? ''} has no dev attribute: kernel ${x.kernel} is built without CONFIG_VFIO_DEVICE_CDEV` };
    }
  }
  if (x.files === null) {
    return x.modelCdev()
      ? { ok: true, why: `assumed: a capture does not record /dev; the model builds ${x.kernel} with IOMMUFD and CONFIG_VFIO_DEVICE_CDEV` }
      : { ok: false, why: `kernel ${x.kernel} is built without IOMMUFD/CONFIG_VFIO_DEVICE_CDEV (as the model knows this build: Debian's 6.12 +deb kernels are)` };
  }
  if (x.files.list('/dev/vfio/devices').ok) return { ok: true, why: '/dev/vfio/devices exists' };
  const cfg = x.files.read(`/boot/config-${x.kernel}`);
  if (cfg.ok) {
    return /^CONFIG_VFIO_DEVICE_CDEV=y$/m.test(cfg.value)
      ? { ok: true, why: `/boot/config-${x.kernel}: CONFIG_VFIO_DEVICE_CDEV=y` }
      : { ok: false, why: `/boot/config-${x.kernel}: CONFIG_VFIO_DEVICE_CDEV is not set` };
  }
  const dev = x.files.list('/dev');
  if (!(dev.ok && dev.value.includes('iommu')) && !x.files.list('/sys/class/misc/iommu').ok) {
    return { ok: false, why: 'no /dev/iommu: iommufd is not loaded (modprobe iommufd) or not built' };
  }
  return { ok: false, why: `cannot tell whether kernel ${x.kernel} has CONFIG_VFIO_DEVICE_CDEV: no /dev/vfio/devices yet, no /boot/config-${x.kernel}; bind one device to vfio-pci and look for /dev/vfio/devices` };
}

/** cdevSupport() for a loaded host: its /sys port, its root's files (live, tree), the model's build of its release. */
export async function cdevSupportOf(h: LoadedHost): Promise<CdevSupport> {
  const k = await modelKernel(h.host);
  const model = typeof k !== 'string' && k.state.opts.vfioDeviceCdev;
  return cdevSupport({ kernel: h.host.kernel, sysfs: h.port, files: h.files, modelCdev: () => model });
}
