import { ok, type Result } from '../model/errno.js';
import { combinePastes, type CombinedPastes } from './combine.js';
import { readPaste } from './detect.js';
import type { PasteRead } from './facts.js';
import { pastesToCapture, type ImportedCapture } from './to-capture.js';

export interface ImportResult {
  readonly reads: readonly PasteRead[];
  readonly combined: CombinedPastes;
  readonly capture: ImportedCapture;
}

/**
 * Reads every input, combines them as one host and writes the capture. Errors (EINVAL, naming the
 * input and line): an input that is binary or holds no known format; inputs that contradict each
 * other (two hosts).
 */
export function importPastes(inputs: readonly { readonly file: string; readonly text: string }[], opts: { readonly kernel?: string } = {}): Result<ImportResult> {
  const reads: PasteRead[] = [];
  for (const i of inputs) {
    const r = readPaste(i.text, i.file);
    if (!r.ok) return r;
    reads.push(r.value);
  }
  const c = combinePastes(reads);
  if (!c.ok) return c;
  return ok({ reads, combined: c.value, capture: pastesToCapture(c.value, opts) });
}
