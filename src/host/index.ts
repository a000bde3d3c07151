/** The host layer: reading a real host's /sys (live, directory tree, capture) into a HostDescription. */
export type { SysfsPort } from './port.js';
export { capturePort, openCapturePort, type CapturePortHandle } from './capture-port.js';
export {
  SYSFS_CAPTURE_FORMAT, parseCapture, readCaptureFile, validateCapture,
  type CaptureEntry, type SysfsCapture,
} from './read-capture.js';
export { fsErrno } from './fs-errno.js';
export { describeHost, describeHostReport, filterCmdline, type DescribeOptions, type HostReport } from './describe.js';
export { PCI_VERBATIM_ATTRS, readPciDevice, type HostWarning } from './describe-pci.js';
export { parseReservedRegions, readIommuGroups, type GroupsRead } from './describe-groups.js';
export { baseName, bdfKey, resolveLinkTarget, BDF_RE } from './sys-path.js';
export { describeReasons, explainHost, shortBdf, type GroupExplanation, type HostExplanation } from './explain.js';
export { hostRootPort, livePort, type HostReader, type LivePortOptions } from './live-port.js';
export { describeTreeReport, readThreads, PARALLEL_MIN_FUNCTIONS, type ParallelOptions } from './describe-parallel.js';
export { materializeCapture, type MaterializedTree } from './materialize.js';
export { CAPTURE_PCI_FILES, captureToJson, writeCapture } from './write-capture.js';
export { readEvidence, parseEvidence, evidenceJson, moduleName, NO_EVIDENCE, EVIDENCE_MODULES, type HostEvidence, type ModuleState } from './evidence.js';
export { diagnoseNoGroups, type NoGroupsCause, type NoGroupsVerdict } from './no-groups.js';
// Written by the CLI engineer (src/host/critical.ts, src/host/processes.ts), re-exported here.
export { findCriticalDevices, type CriticalDevices, type CriticalEnv } from './critical.js';
export { findDmaHolders, scanDmaHolders, type DmaHolder } from './processes.js';
