import type { IdFacts } from './facts.js';

/**
 * The one-line description lspci prints per function, in every form pasted:
 *   `-nn`:  `VGA compatible controller [0300]: NVIDIA Corporation GA104 [GeForce RTX 3070 Ti] [10de:2482] (rev a1)`
 *   ls-iommu: `VGA compatible controller [0300] Intel Corporation TigerLake-LP GT2 [8086:9a49] (rev 01)`
 *   plain:  `VGA compatible controller: NVIDIA Corporation GA104 (rev a1)` (no ids: class and ids unknown)
 *   `-n`:   `0300: 10de:2482 (rev a1)`
 * with `(prog-if 30 [XHCI])` after the revision when lspci knows it. Answers null for text that is
 * none of these.
 */
export function parseLspciDescription(text: string): IdFacts | null {
  const t = text.trim();
  const numeric = /^([0-9a-f]{4}):\s+([0-9a-f]{4}):([0-9a-f]{4})(.*)$/i.exec(t);
  if (numeric) {
    return {
      class: parseInt(numeric[1] as string, 16), progIf: progIf(numeric[4] ?? ''),
      vendor: parseInt(numeric[2] as string, 16), device: parseInt(numeric[3] as string, 16),
      revision: revision(numeric[4] ?? ''), name: t,
    };
  }
  const cls = classPrefix(t);
  if (cls) {
    const rest = cls.rest;
    const ids = lastIds(rest);
    return {
      class: cls.code, progIf: progIf(rest),
      vendor: ids?.[0] ?? null, device: ids?.[1] ?? null, revision: revision(rest),
      name: `${cls.name}: ${stripTail(rest)}`,
    };
  }
  const plain = /^([A-Za-z][^:[\]]{2,60}):\s+(\S.*)$/.exec(t);
  if (plain) {
    // No class code printed: the class is unknown (0xffff marks it); ids only with -nn.
    const rest = plain[2] as string;
    const ids = lastIds(rest);
    return { class: 0xffff, progIf: progIf(rest), vendor: ids?.[0] ?? null, device: ids?.[1] ?? null, revision: revision(rest), name: `${plain[1] as string}: ${stripTail(rest)}` };
  }
  return null;
}

/**
 * `Class name [cccc]: rest` or `Class name [cccc] rest`: the first '[' must open a 4-hex-digit class
 * code after a name with a letter and no ':' or ']'. Scanned once (a backtracking regex here is
 * quadratic on long lines).
 */
function classPrefix(t: string): { name: string; code: number; rest: string } | null {
  const open = t.indexOf('[');
  if (open <= 0) return null;
  const name = t.slice(0, open).trim();
  if (name === '' || name.includes(':') || name.includes(']') || !/[A-Za-z]/.test(name)) return null;
  const code = /^\[([0-9a-fA-F]{4})\]:?\s+/.exec(t.slice(open, open + 12));
  if (!code) return null;
  return { name, code: parseInt(code[1] as string, 16), rest: t.slice(open + code[0].length) };
}

function lastIds(s: string): [number, number] | null {
  const all = [...s.matchAll(/\[([0-9a-f]{4}):([0-9a-f]{4})\]/gi)];
  const m = all[all.length - 1];
  return m ? [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16)] : null;
}

function revision(s: string): number | null {
  const m = /\(rev ([0-9a-f]{2})\)/i.exec(s);
  return m ? parseInt(m[1] as string, 16) : null;
}

function progIf(s: string): number | null {
  const m = /\(prog-if ([0-9a-f]{2})\b/i.exec(s);
  return m ? parseInt(m[1] as string, 16) : null;
}

function stripTail(s: string): string {
  return s.replace(/\s*\(prog-if [^)]*\]?\)\s*$/i, '').replace(/\s*\(rev [0-9a-f]{2}\)\s*$/i, '').replace(/\s*\[[0-9a-f]{4}:[0-9a-f]{4}\]\s*$/i, '').trim();
}
