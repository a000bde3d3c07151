/**
 * Export to the systems fleets already run: one set of facts per host (`facts.ts`), rendered as a
 * Prometheus textfile-collector file, a Node Feature Discovery feature file, KubeVirt's
 * permittedHostDevices, or Ansible local facts; written atomically through a port.
 */
import { err, ok, type Result } from '../model/errno.js';
import { ansibleText } from './ansible.js';
import type { HostFacts } from './facts.js';
import { kubevirtExport, kubevirtText } from './kubevirt.js';
import { nfdText } from './nfd.js';
import { prometheusText } from './prometheus.js';

export { hostFacts, type HostFacts, type GroupFacts, type GroupState, type Owner, type FactsInput, type NoGroups } from './facts.js';
export { prometheusText, pciLocation, labelValue } from './prometheus.js';
export { nfdText, nfdLabels, NFD_PREFIX, NFD_MAX_FILE_BYTES, rfc3339, validLabelValue } from './nfd.js';
export { kubevirtExport, kubevirtText, resourceName, type KubevirtExport, type PciHostDevice } from './kubevirt.js';
export { ansibleFacts, ansibleText, FACTS_SCHEMA } from './ansible.js';
export { writeAtomic, tempName, type AtomicWriteOptions } from './atomic-write.js';
export { nodeWritePort, type WritePort } from './write-port.js';
export { parseDuration } from './duration.js';

export const FORMATS = ['prometheus', 'nfd', 'kubevirt', 'ansible'] as const;
export type ExportFormat = (typeof FORMATS)[number];

export interface ExportOptions {
  /** nfd: when the labels expire if the file is not refreshed. */
  readonly expiry: Date;
  /** kubevirt: BDFs a simulated-viable plan will put on vfio-pci. */
  readonly planned?: ReadonlySet<string>;
}

export interface Exported {
  readonly text: string;
  readonly warnings: readonly string[];
}

/** Render one format. Errors: EINVAL for an unknown format, EFBIG-like limits as EOVERFLOW (nfd size). */
export function renderExport(format: string, f: HostFacts, o: ExportOptions): Result<Exported> {
  switch (format) {
    case 'prometheus': return ok({ text: prometheusText(f), warnings: [] });
    case 'nfd': {
      const r = nfdText(f, { expiry: o.expiry });
      return r.ok ? ok({ text: r.value, warnings: [] }) : err('EOVERFLOW', r.why);
    }
    case 'kubevirt': {
      const k = kubevirtExport(f, o.planned);
      return ok({ text: kubevirtText(k), warnings: k.warnings });
    }
    case 'ansible': return ok({ text: ansibleText(f), warnings: [] });
    default: return err('EINVAL', `--format ${format}: choose ${FORMATS.join(', ')}`);
  }
}
