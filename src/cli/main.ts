import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help } from 'commander';
import { COMMAND_TERMS } from './command-terms.js';
import { COMMANDS } from './commands.js';
import { addHostOptions, addKernelOption } from './host-options.js';
import { EXIT, processIo, terminalText, type CliIo } from './io.js';
import { tuneHeap } from './heap.js';

function version(): string {
  for (const u of [new URL('../../package.json', import.meta.url), new URL(`file://${process.cwd()}/package.json`)]) {
    try { return (JSON.parse(readFileSync(u, 'utf8')) as { version: string }).version; } catch { /* next */ }
  }
  return 'unknown';
}

const EPILOG = `
Exit codes: 0 ok; 1 verdict negative, refused, or a step failed (rolled back); 2 usage or input error.
JSON: every command takes --json; one versioned schema per command in schema/ (dmaown-<command>/1).
Nothing is written to /sys unless you run \`dmaown apply ... --yes\` or \`dmaown restore --yes\`.`;

/** The `dmaown` CLI: argv (without node and script) in, exit code out. */
export async function main(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  const io = safeIo(rawIo);
  tuneHeap();
  let code: number = EXIT.ok;
  const done = (c: number): void => { code = c; };
  // `dmaown --help` lists the commands by name, term and summary only: their modules are not loaded.
  const programHelp = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help')
    && COMMANDS.every((c) => COMMAND_TERMS[c.name] !== undefined);
  const program = addHostOptions(new Command('dmaown'))
    .description('Who may do DMA through which devices: IOMMU groups, their owners, and safe hand-over to vfio-pci.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .configureHelp(programHelp
      ? { showGlobalOptions: true, subcommandTerm: (c) => COMMAND_TERMS[c.name()] ?? new Help().subcommandTerm(c) }
      : { showGlobalOptions: true })
    .showHelpAfterError('(dmaown --help for usage)')
    .addHelpText('after', `${EPILOG}\n\nExamples:\n${COMMANDS.flatMap((c) => c.examples).map((e) => `  $ ${e}`).join('\n')}\n`);
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name, entry.isDefault ? { isDefault: true } : {}).description(entry.summary)
      .addHelpText('after', `\nExamples:\n${entry.examples.map((e) => `  $ ${e}`).join('\n')}\n`)
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    addKernelOption(cmd);
    if (!programHelp) await entry.define(cmd, io, done);
  }
  // The default command (status) takes no arguments: a first word that is no command is a typo, not an argument.
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help' && !COMMANDS.some((c) => c.name === first)) {
    io.err(`dmaown: unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; dmaown --help)\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Our bug, not the input's: one line, no stack trace; exit 70 (EX_SOFTWARE) so it is never taken for an answer.
    io.err(`dmaown: internal error: ${e instanceof Error ? e.message : String(e)} (please report it with the command line)\n`);
    return EXIT.internal;
  }
  return code;
}

/**
 * Output that reaches a terminal carries no control characters from input (a capture's ANSI escapes,
 * a journal's carriage returns): every one is escaped except newline and tab, and our own colour codes
 * when colour is possible at all (a terminal without NO_COLOR).
 */
function safeIo(io: CliIo): CliIo {
  const colour = io.isTTY && (io.env['NO_COLOR'] === undefined || io.env['NO_COLOR'] === '');
  return { ...io, out: (t) => io.out(terminalText(t, colour)), err: (t) => io.err(terminalText(t, colour)) };
}
