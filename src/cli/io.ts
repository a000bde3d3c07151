import { createColors } from 'picocolors';
import { writeJsonText } from './json-text.js';

/** Where a command writes, what it sees of its environment. Tests pass their own; `main` uses the process's. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stdout is a terminal: colour allowed (unless NO_COLOR or --no-color). */
  readonly isTTY: boolean;
  /** The terminal's width in columns, when stdout is one. */
  readonly columns?: number;
}

/** Output longer than this is written a piece at a time: no second copy of a 50k host's 56 MB of JSON as one buffer. */
export const WRITE_CHUNK = 1 << 20;

/**
 * Writes `text` in pieces of about `chunk` UTF-16 units, never between the two halves of a surrogate
 * pair (each piece is encoded on its own). Pieces of a flat string are slices of it, not copies.
 */
export function writeChunked(write: (piece: string) => void, text: string, chunk = WRITE_CHUNK): void {
  if (text.length <= chunk) { write(text); return; }
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + chunk);
    const c = text.charCodeAt(end - 1);
    if (end < text.length && c >= 0xd800 && c <= 0xdbff) end++;
    write(text.slice(at, end));
    at = end;
  }
}

export function processIo(): CliIo {
  // `dmaown | head`: a closed pipe ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  // stdout to a file or pipe is written synchronously on Linux: the pieces go out one after another.
  return {
    out: (t) => { writeChunked((s) => { process.stdout.write(s); }, t); },
    err: (t) => { process.stderr.write(t); },
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
  };
}

/** Documented exit codes. */
export const EXIT = { ok: 0, negative: 1, usage: 2, internal: 70 } as const;

export type Colors = ReturnType<typeof createColors>;

/** Colour only on a TTY, never with NO_COLOR (https://no-color.org) or --no-color. */
export function colorsFor(io: CliIo, flag: boolean | undefined): Colors {
  const noColor = io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '';
  return createColors(io.isTTY && !noColor && flag !== false);
}

/**
 * JSON output: one document, two-space indent, trailing newline — JSON.stringify's text, written a
 * piece at a time (json-text.ts): a large report's text is never one string.
 */
export function printJson(io: CliIo, value: unknown): void {
  writeJsonText(value, (t) => io.out(t));
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /\u001b\[[0-9;]{0,12}m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text made safe for a terminal: every C0/C1 control character except newline and tab becomes a
 * \uXXXX escape; `colour` keeps SGR colour codes (ESC [ digits m), the only escapes dmaown writes.
 */
export function terminalText(t: string, colour: boolean): string {
  return t.replace(CONTROLS, (m) => (m.length > 1 && colour ? m : m.split('').map((c) => (c === '\u001b' || c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')));
}
