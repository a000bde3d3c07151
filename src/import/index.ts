/**
 * Importers: what people paste when they ask about IOMMU groups (group listings, lspci in its forms,
 * kernel logs, Proxmox pvesh) read into one `sysfs-capture/1` marked partial. One file per format;
 * `detect.ts` runs them over an input, `combine.ts` merges inputs of one host, `to-capture.ts` writes
 * the capture. Depends only on src/host and src/model.
 */
export { readPaste, MAX_LINE } from './detect.js';
export { combinePastes, type CombinedPastes } from './combine.js';
export { pastesToCapture, UNKNOWN_KERNEL, type ImportedCapture } from './to-capture.js';
export { readPartial, PARTIAL_FACTS, type PartialFact, type PartialSection, type PartialView } from './partial.js';
export { readInput, MAX_PASTE_BYTES } from './read-input.js';
export { importPastes, type ImportResult } from './import.js';
export type { PasteFormat, PasteIssue, PasteRead } from './facts.js';
