/**
 * A value from input as it may appear in a message: quoted, control characters escaped (an ANSI
 * escape from a capture never reaches the terminal raw), and cut to `max` characters with the
 * length of what was left out — one bad entry of 10 MB gives a one-line message, not a 10 MB one.
 */
export function shown(value: unknown, max = 120): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else {
    try { s = JSON.stringify(value) ?? String(value); } catch { s = String(value); }
    if (s.length > max) return `${escapeControls(s.slice(0, max))}… (${s.length} characters)`;
    return escapeControls(s);
  }
  const cut = s.length > max ? s.slice(0, max) : s;
  const body = JSON.stringify(cut).slice(1, -1).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `"${body}…" (${s.length} characters)` : `"${body}"`;
}

/** Every C0/C1 control character except newline and tab as a \uXXXX escape. */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
