import { gzipSync } from 'node:zlib';

/** Text and attribute values for HTML/SVG markup: & < > " ' escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's data: JSON, gzip-compressed, base64 — a 10k-function host's data shrinks about tenfold;
 * the page inflates it with the browser's DecompressionStream (no network, no library).
 */
export function packedJson(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 6 }).toString('base64');
}
