import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { fsErrno } from '../host/fs-errno.js';
import { err, ok, type Result } from '../model/errno.js';

/** Largest paste read: 16 MiB (a 10k-function `lspci -vvv` is about 10 MiB; a forum paste is kilobytes). */
export const MAX_PASTE_BYTES = 16 * 1024 * 1024;

/**
 * Reads one input (a file, or stdin for '-') as a stream, stopping at `limit` bytes: memory stays
 * bounded whatever is passed (a 100 MB log, /dev/zero, a FIFO). Errors: the fs errno naming the file;
 * EFBIG-like input as EINVAL naming the size limit.
 */
export async function readInput(file: string, opts: { readonly limit?: number; readonly stdin?: Readable } = {}): Promise<Result<string>> {
  const limit = opts.limit ?? MAX_PASTE_BYTES;
  const name = file === '-' ? '<stdin>' : file;
  const stream: Readable = file === '-' ? (opts.stdin ?? process.stdin) : createReadStream(file, { highWaterMark: 1 << 16 });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += b.length;
      if (size > limit) {
        if (file !== '-') stream.destroy();
        return err('EINVAL', `${name}: larger than ${limit / (1024 * 1024)} MiB; stopped reading (a paste is text output of lspci, dmesg or a group listing — is this the right file?)`);
      }
      chunks.push(b);
    }
  } catch (e) {
    return err(fsErrno(e), `${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return ok(new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks, size)));
}
