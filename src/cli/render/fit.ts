/**
 * Fitting text output to the terminal: the width to lay out for (the terminal's columns, else
 * $COLUMNS, else 100; clamped to 60–240), and shortening of names so that ids and BDFs are kept.
 */
export function outputWidth(columns: number | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const fromEnv = Number(env['COLUMNS']);
  const w = columns !== undefined && columns > 0 ? columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100;
  return Math.max(60, Math.min(240, w));
}

/** `s` cut to `n` characters with an ellipsis (unchanged when it fits; Infinity: never cut). */
export function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  return n <= 1 ? s.slice(0, Math.max(0, n)) : `${s.slice(0, n - 1)}…`;
}

/** Words of `s` wrapped to `width`, every line after the first indented by `indent`. */
export function wrap(s: string, width: number, indent: string): string[] {
  if (!Number.isFinite(width)) return [s];
  let leadLength = 0;
  while (s.charCodeAt(leadLength) === 32) leadLength++;
  // A line that fits and whose text starts visibly is returned as it is: the loop below would rebuild
  // it word by word (each word fits, every gap is one space again).
  if (s.length <= width && leadLength < s.length && (s[leadLength] as string).trim() !== '') return [s];
  const out: string[] = [];
  let line = s.slice(0, leadLength);
  // Whether `line` holds a visible (non-whitespace) character: `line.trim() !== ''`, kept word by word.
  let visible = false;
  for (const w of s.slice(leadLength).split(' ')) {
    const room = width - (out.length === 0 ? 0 : indent.length);
    if (visible && line.length + 1 + w.length > room) {
      out.push(line);
      line = w;
      visible = w.trim() !== '';
    } else if (visible) {
      line = `${line} ${w}`;
    } else {
      line = `${line}${w}`;
      visible = w.trim() !== '';
    }
  }
  if (visible) out.push(line);
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

/**
 * One line of prose wrapped to `width` with a hanging indent: continuation lines start under the
 * text after the line's own indentation and bullet ("  - why" continues under "why"); those of a
 * line that starts at the margin are indented by two, so that each sentence stands out as a block.
 */
export function hang(s: string, width: number): string[] {
  const lead = /^ *(?:- |→ |\d+\. )?/.exec(s)?.[0] ?? '';
  return wrap(s, width, lead === '' ? '  ' : ' '.repeat(lead.length));
}

/**
 * The width prose (explanations, plans, refusals) is wrapped to: the terminal's columns or $COLUMNS
 * (clamped like `outputWidth`); unlimited with `--wide` or when neither is known, so that output piped
 * to grep or a file keeps one line per sentence.
 */
export function proseWidth(wide: boolean | undefined, columns: number | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const known = (columns !== undefined && columns > 0) || Number(env['COLUMNS']) > 0;
  return wide === true || !known ? Infinity : outputWidth(columns, env);
}

/** The width tables are laid out for: unlimited with `--wide`, else the terminal's (`outputWidth`). */
export function layoutWidth(wide: boolean | undefined, columns: number | undefined, env: Readonly<Record<string, string | undefined>>): number {
  return wide === true ? Infinity : outputWidth(columns, env);
}
