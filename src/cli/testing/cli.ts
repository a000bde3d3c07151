import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

/** Run the CLI with captured output (tests). */
export async function run(argv: string[], opts: { env?: Record<string, string>; isTTY?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: opts.env ?? {}, isTTY: opts.isTTY ?? false };
  const code = await main(argv, io);
  return { code, out, err };
}

const ajv = new Ajv.default({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validate a JSON output against schema/<its schema>.schema.json; returns the error text or null. */
export function schemaErrors(doc: { schema?: string }): string | null {
  const name = (doc.schema ?? '').replace('/', '-');
  let v = validators.get(name);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(process.cwd(), 'schema', `${name}.schema.json`), 'utf8')) as object);
    validators.set(name, v);
  }
  return v(doc) ? null : ajv.errorsText(v.errors);
}

export function schemaFiles(): string[] {
  return readdirSync(join(process.cwd(), 'schema')).filter((f) => f.endsWith('.schema.json'));
}
