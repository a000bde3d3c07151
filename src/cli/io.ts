import { createColors } from 'picocolors';

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

export function processIo(): CliIo {
  // `dmaown | head`: a closed pipe ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  return {
    out: (t) => { process.stdout.write(t); },
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

/** JSON output: one document, two-space indent, trailing newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
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
