import { createKernel, groupMemberViability, kernelVersion, profileFor, type Kernel, type MemberViability, type Profile } from '../model/index.js';
import { err, ok, type Result } from '../model/errno.js';
import type { HostDescription } from '../model/host-description.js';

/**
 * The simulated kernel of a host, booted from its description: the one source of every verdict the
 * host tool gives (who blocks a group, what a plan does), so that `status`, `check` and `plan` can
 * never disagree with each other or with the simulation.
 *
 * A release older than the model's first profile (5.10) is modelled with the 5.10 rules — VFIO's
 * group viability (`vfio_dev_viable()`) is the same there — and says so in `note`.
 */
export interface HostModel {
  readonly kernel: Kernel;
  readonly profile: Profile;
  /** Set when the model runs the host under another release's rules. */
  readonly note: string | null;
}

/** Errors: EINVAL for a release that is not a `uname -r`. */
export function hostModel(host: HostDescription): Result<HostModel> {
  const v = kernelVersion(host.kernel);
  if (!v.ok) return v;
  const p = profileFor(host.kernel);
  let release: string | undefined;
  let note: string | null = null;
  if (!p.ok) {
    release = '5.10.0';
    note = `kernel ${host.kernel} is older than the model's first profile (5.10): its VFIO viability rule (vfio_dev_viable) is modelled with 5.10's`;
  }
  try {
    const kernel = createKernel(host, release === undefined ? {} : { release });
    return ok({ kernel, profile: kernel.state.profile, note });
  } catch (e) {
    return err('EINVAL', `the model could not boot this host: ${(e as Error).message}`);
  }
}

/** Each member of group `id` as the model judges it (by name), or an empty map for an unknown group. */
export function memberViability(m: HostModel, id: number): ReadonlyMap<string, MemberViability> {
  return new Map((groupMemberViability(m.kernel, id) ?? []).map((v) => [v.name, v]));
}
