import { createColors } from 'picocolors';

/** Where a command writes, what it sees of its environment. Tests pass their own; `main` uses the process's. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stdout is a terminal: colour allowed (unless NO_COLOR or --no-color). */
  readonly isTTY: boolean;
}

export function processIo(): CliIo {
  // `dmaown | head`: a closed pipe ends the output, not the program with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  return {
    out: (t) => { process.stdout.write(t); },
    err: (t) => { process.stderr.write(t); },
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  };
}

/** Documented exit codes. */
export const EXIT = { ok: 0, negative: 1, usage: 2 } as const;

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
