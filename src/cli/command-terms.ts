/**
 * How `dmaown --help` lists each command (commander's subcommand term: name, `[options]` when it has
 * options of its own, its arguments), so that the program's help is printed without loading the 15
 * command modules. A command missing here, or whose term no longer matches its definition, is caught
 * by command-terms.test.ts; a missing one only makes `--help` take the slow path (every module loaded).
 */
export const COMMAND_TERMS: Readonly<Record<string, string>> = {
  status: 'status [options]',
  check: 'check [options] <bdf...>',
  plan: 'plan [options] <bdf...>',
  apply: 'apply [options] <plan-or-bdf...>',
  restore: 'restore [options] [journal]',
  release: 'release [options] <bdf...>',
  'vm-config': 'vm-config [options] <bdf...>',
  verify: 'verify [options]',
  conform: 'conform <trace...>',
  explain: 'explain [options] [group-or-bdf]',
  capture: 'capture [options]',
  export: 'export [options]',
  report: 'report [options]',
  serve: 'serve [options]',
  import: 'import [options] <file...>',
  demo: 'demo [options]',
};
