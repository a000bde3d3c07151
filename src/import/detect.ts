import { err, ok, type Result } from '../model/errno.js';
import { parseDmesg } from './dmesg.js';
import type { PasteRead } from './facts.js';
import { parseGroupListing } from './group-listing.js';
import { cleanPaste, type Line } from './lines.js';
import { parseLspciText } from './lspci-text.js';
import { parseLspciTree } from './lspci-tree.js';
import { parseLspciVmm } from './lspci-vmm.js';
import type { PasteParser } from './parse-context.js';
import { parsePvesh } from './pvesh.js';
import { FactSink } from './sink.js';

/**
 * The order parsers take lines in: whole-text formats first (pvesh JSON), then the ones whose lines
 * carry an unmistakable signature (`Slot:` records, `IOMMU Group` headers, tree connectors, kernel log
 * prefixes, box tables), and plain lspci blocks last. Each parser marks the lines it took, so one
 * input may hold several formats (a group listing followed by `lspci -nnk`, say).
 */
const PARSERS: readonly PasteParser[] = [parsePvesh, parseLspciVmm, parseGroupListing, parseLspciTree, parseDmesg, parseLspciText];

/** Longest line an importer looks at; longer ones are not paste output (minified JSON aside, which pvesh never prints). */
export const MAX_LINE = 16384;

/**
 * Reads one pasted input: cleans it, detects its format(s) line by line and collects the facts.
 * Errors (EINVAL, naming the input and the line): binary data, nothing recognised.
 * Lines no parser took are reported as warnings, grouped by run.
 */
export function readPaste(text: string, file: string): Result<PasteRead> {
  const bad = binaryLine(text);
  if (bad !== null) return err('EINVAL', `${file}:${bad.line}: binary data (${bad.why}), not pasted text output`);
  const sink = new FactSink(file);
  const clean = cleanPaste(text);
  const lines: Line[] = [];
  for (const l of clean.lines) {
    if (l.text.length > MAX_LINE) sink.warn(l.n, `line is ${l.text.length} characters long; skipped (not tool output)`);
    else lines.push(l);
  }
  const used = new Set<number>();
  for (const p of PARSERS) p({ lines, used, commands: clean.commands, sink });
  const leftovers = lines.filter((l) => !used.has(l.n));
  const read = sink.read();
  if (read.devices.size === 0 && Object.keys(read.host).length === 0) {
    const first = leftovers[0];
    if (first !== undefined && /^\s*ACS(Cap|Ctl):/.test(first.text)) {
      return err('EINVAL', `${file}:${first.n}: ACS lines without a device line (\`lspci -vvv | grep ACS\`): they cannot be attributed to a device; paste \`sudo lspci -vvv\` whole`);
    }
    return err('EINVAL', first === undefined ? `${file}: empty (no lines after removing prompts, quotes and fences)`
      : `${file}:${first.n}: no known format (${JSON.stringify(first.text.slice(0, 60))}); expected an IOMMU group listing, lspci, dmesg or pvesh output`);
  }
  for (const run of runs(leftovers)) {
    const l = run[0] as Line;
    const acs = /^\s*ACS(Cap|Ctl):/.test(l.text);
    sink.warn(l.n, acs ? `ACS lines without a device line (\`lspci -vvv | grep ACS\`): they cannot be attributed to a device; ignored`
      : `${run.length} line${run.length > 1 ? 's' : ''} not recognised, ignored (${JSON.stringify(l.text.slice(0, 60))})`);
  }
  return ok(sink.read());
}

/** Consecutive leftover lines, one warning per run. */
function runs(lines: readonly Line[]): Line[][] {
  const out: Line[][] = [];
  let prev = -2;
  for (const l of lines) {
    if (l.n === prev + 1 && out.length > 0) (out[out.length - 1] as Line[]).push(l);
    else out.push([l]);
    prev = l.n;
  }
  return out;
}

/** The first line holding a NUL, or holding mostly control characters / undecodable bytes; null for text. */
function binaryLine(text: string): { line: number; why: string } | null {
  let line = 1, ctl = 0, count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (count >= 8 && ctl * 4 > count) return { line, why: `${ctl} of ${count} characters are control bytes or not UTF-8` };
      line++; ctl = 0; count = 0;
      continue;
    }
    if (c === 0) return { line, why: 'a NUL byte' };
    count++;
    if ((c < 32 && c !== 9 && c !== 13 && c !== 27) || c === 0xfffd || c === 127) ctl++;
  }
  if (count >= 8 && ctl * 4 > count) return { line, why: `${ctl} of ${count} characters are control bytes or not UTF-8` };
  return null;
}
