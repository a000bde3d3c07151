#!/usr/bin/env node
// Writes dist/cli/help-snapshot.json: the text `dmaown --help` prints when stdout is not a terminal
// (80 columns), and the size and mtime of every file it was made from (dist/cli/*.js, package.json,
// commander's package.json). bin/dmaown.js prints it without loading the CLI when every stamp still
// matches — a rebuild (tsc rewrites dist/) or another commander makes it fall back to the full CLI, so
// a stale snapshot is never shown. Run after tsc (npm run build / test / prepare / bench do):
//   node scripts/help-snapshot.mjs [PACKAGE-DIR]   (default: this checkout)
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The files the program's help is made from, relative to the package root. */
export function helpSources(dir) {
  const cli = join(dir, 'dist', 'cli');
  return [...readdirSync(cli).filter((f) => f.endsWith('.js')).sort().map((f) => join(cli, f)),
    join(dir, 'package.json'), join(dir, 'node_modules', 'commander', 'package.json')].map((f) => relative(dir, f));
}

export function stamps(dir) {
  return Object.fromEntries(helpSources(dir).map((f) => { const s = statSync(join(dir, f)); return [f, `${s.size}:${s.mtimeMs}`]; }));
}

export async function writeHelpSnapshot(dir = root) {
  const { main } = await import(pathToFileURL(join(dir, 'dist', 'cli', 'main.js')).href);
  let text = '';
  const io = { out: (t) => { text += t; }, err: (t) => { text += t; }, env: {}, isTTY: false };
  // Two arguments: the full path, every command defined (the text the snapshot must equal).
  const code = await main(['--no-color', '--help'], io);
  if (code !== 0) throw new Error(`dmaown --help exited ${code}`);
  writeFileSync(join(dir, 'dist', 'cli', 'help-snapshot.json'), JSON.stringify({ text, stamps: stamps(dir) }));
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeHelpSnapshot(process.argv[2] ?? root);
