import type { Line } from './lines.js';
import type { FactSink } from './sink.js';

/**
 * What every format parser is given: the cleaned lines, the set of line numbers other parsers
 * already took (a parser takes only lines it fully understands and marks them), the commands seen at
 * prompts, and the sink its facts go to.
 */
export interface ParseContext {
  readonly lines: readonly Line[];
  readonly used: Set<number>;
  readonly commands: readonly Line[];
  readonly sink: FactSink;
}

/** A parser: reads what it recognises, marks those lines used. */
export type PasteParser = (ctx: ParseContext) => void;

/** True when a command at a prompt piped lspci/dmesg output through grep (lines are missing). */
export function grepFiltered(ctx: ParseContext, tool: RegExp): boolean {
  return ctx.commands.some((c) => tool.test(c.text) && /\|\s*(e|f)?grep\b/.test(c.text));
}
