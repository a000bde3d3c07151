import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Help } from 'commander';
import { COMMANDS } from './commands.js';
import { COMMAND_TERMS } from './command-terms.js';
import { addHostOptions, addKernelOption } from './host-options.js';
import { main } from './main.js';
import type { CliIo } from './io.js';

const quiet: CliIo = { out: () => {}, err: () => {}, env: {}, isTTY: false };
const capture = async (argv: string[]): Promise<{ code: number; out: string }> => {
  let out = '';
  const code = await main(argv, { out: (t) => { out += t; }, err: (t) => { out += t; }, env: {}, isTTY: false });
  return { code, out };
};

test('every command has the term its definition gives (what `dmaown --help` lists without loading it)', async () => {
  const program = addHostOptions(new Command('dmaown'));
  for (const e of COMMANDS) {
    // As main() defines it: the host commands' own --kernel first.
    const c = addKernelOption(program.command(e.name));
    await e.define(c, quiet, () => {});
    assert.equal(COMMAND_TERMS[e.name], new Help().subcommandTerm(c), `src/cli/command-terms.ts: ${e.name}`);
  }
});

test('dmaown --help / -h / help print exactly the help of the fully defined program', async () => {
  // Two arguments take the full path: every command module loaded and defined.
  const full = await capture(['--no-color', '--help']);
  assert.equal(full.code, 0);
  assert.match(full.out, /Commands:\n {2}status \[options\]/);
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const fast = await capture(argv);
    assert.equal(fast.code, 0);
    assert.equal(fast.out, full.out, argv.join(' '));
  }
});

test('bin/dmaown.js answers --version from package.json without loading dist/ (and is CommonJS: no ES module loader for it)', () => {
  const checkout = fileURLToPath(new URL('../../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-version-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(checkout, 'bin', 'dmaown.js'), join(dir, 'bin', 'dmaown.js'));
    copyFileSync(join(checkout, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dmaown', version: '9.8.7', type: 'module' }));
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'dmaown.js'), flag], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '9.8.7\n');
    }
    // Without dist/ everything else is the missing build (exit 70): --version above never loaded it.
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'dmaown.js'), 'status'], { encoding: 'utf8' });
    assert.equal(r.status, 70);
    // CommonJS under the package's "type": "module" (bin/package.json), so --version starts no ES module loader.
    assert.equal((JSON.parse(readFileSync(join(checkout, 'bin', 'package.json'), 'utf8')) as { type: string }).type, 'commonjs');
    // The checkout's own launcher prints the version commander prints.
    const own = spawnSync(process.execPath, [join(checkout, 'bin', 'dmaown.js'), '--version'], { encoding: 'utf8' });
    assert.equal(own.stdout, `${(JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin/dmaown.js --help prints the build\'s snapshot while every file it was made from is unchanged, never a stale one', async () => {
  const checkout = fileURLToPath(new URL('../../', import.meta.url));
  const snap = await import(new URL('../../scripts/help-snapshot.mjs', import.meta.url).href) as {
    writeHelpSnapshot: (dir: string) => Promise<string>; stamps: (dir: string) => Record<string, string>; helpSources: (dir: string) => string[];
  };
  // The checkout: the snapshot is the full CLI's help, and bin prints exactly that.
  const text = await snap.writeHelpSnapshot(checkout);
  assert.equal(text, (await capture(['--no-color', '--help'])).out);
  for (const flag of ['--help', '-h', 'help']) {
    const r = spawnSync(process.execPath, [join(checkout, 'bin', 'dmaown.js'), flag], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, text, flag);
  }
  // A package of its own: a marked snapshot is printed while the stamps match, and not once a file changed.
  const dir = mkdtempSync(join(tmpdir(), 'dmaown-help-'));
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'commander'), { recursive: true });
    copyFileSync(join(checkout, 'bin', 'dmaown.js'), join(dir, 'bin', 'dmaown.js'));
    copyFileSync(join(checkout, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'dmaown', version: '1.2.3', type: 'module' }));
    writeFileSync(join(dir, 'node_modules', 'commander', 'package.json'), '{"version":"14.0.0"}');
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), 'export async function main() { process.stdout.write("FULL CLI\\n"); return 0; }\n');
    writeFileSync(join(dir, 'dist', 'cli', 'help-snapshot.json'), JSON.stringify({ text: 'SNAPSHOT\n', stamps: snap.stamps(dir) }));
    const help = (): string => spawnSync(process.execPath, [join(dir, 'bin', 'dmaown.js'), '--help'], { encoding: 'utf8' }).stdout;
    assert.equal(help(), 'SNAPSHOT\n');
    // A rebuild rewrites dist/: the snapshot is stale and the full CLI answers.
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), 'export async function main() { process.stdout.write("FULL CLI\\n"); return 0; } // rebuilt\n');
    assert.equal(help(), 'FULL CLI\n');
    // A new file in dist/cli the snapshot does not know: stale too.
    writeFileSync(join(dir, 'dist', 'cli', 'help-snapshot.json'), JSON.stringify({ text: 'SNAPSHOT\n', stamps: snap.stamps(dir) }));
    assert.equal(help(), 'SNAPSHOT\n');
    writeFileSync(join(dir, 'dist', 'cli', 'new-command.js'), 'export {};\n');
    assert.equal(help(), 'FULL CLI\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
