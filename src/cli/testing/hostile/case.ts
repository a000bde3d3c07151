/**
 * One hostile input run through the CLI's `main()`: the arguments (files already written), the
 * directory to run in, and what must come out — an exit code and a message on stderr naming what and
 * where (a regular expression), or a correct answer (`out`, `noControls`).
 */
export interface HostileCase {
  readonly name: string;
  readonly argv: readonly string[];
  readonly cwd?: string;
  readonly code: number | readonly number[];
  /** stderr must match (the file or entry, and what was wrong). */
  readonly err?: RegExp;
  /** stdout must match. */
  readonly out?: RegExp;
  /** stdout and stderr must hold no raw control character but newline and tab. */
  readonly noControls?: boolean;
  /** The whole message stays short (a 10 MB entry must not give a 10 MB message). */
  readonly maxErr?: number;
}

/** What the runner answers for a case. */
export interface HostileResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** main() threw (a bug: the CLI must answer, never throw). */
  readonly threw: string | null;
  readonly ms: number;
}

/** Error for errors: code 2 with stderr matching. */
export const bad = (name: string, argv: readonly string[], err: RegExp, extra: Partial<HostileCase> = {}): HostileCase => ({ name, argv, code: 2, err, ...extra });
