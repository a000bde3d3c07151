import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';
import type { SysfsCapture } from './read-capture.js';

export interface MaterializedTree {
  /** Pass as `livePort({ sysRoot, procRoot })`. */
  readonly sysRoot: string;
  readonly procRoot: string;
}

/**
 * Writes a capture out as a real directory tree with real symlinks: `dir/sys/**` and
 * `dir/proc/{cmdline,sys/kernel/osrelease}`, so readlink and parent chains behave as on sysfs.
 * Absolute link targets ('/sys/...') are rewritten relative to `dir/sys`. `{ error }` entries become
 * empty files with mode 000 (root still reads them: the errno itself cannot be reproduced).
 * Errors: the fs errno, naming the entry.
 */
export function materializeCapture(capture: SysfsCapture, dir: string): Result<MaterializedTree> {
  const sysRoot = join(dir, 'sys');
  const procRoot = join(dir, 'proc');
  let current = '';
  try {
    mkdirSync(join(procRoot, 'sys', 'kernel'), { recursive: true });
    writeFileSync(join(procRoot, 'cmdline'), `${capture.cmdline.join(' ')}\n`);
    writeFileSync(join(procRoot, 'sys', 'kernel', 'osrelease'), `${capture.kernel}\n`);
    mkdirSync(sysRoot, { recursive: true });
    const made = new Set<string>();
    const mkdirp = (p: string): void => {
      if (made.has(p)) return;
      mkdirSync(p, { recursive: true });
      made.add(p);
    };
    for (const [key, e] of Object.entries(capture.entries)) {
      current = key;
      const p = join(sysRoot, key);
      mkdirp(dirname(p));
      if (typeof e === 'string') writeFileSync(p, e);
      else if ('hex' in e) writeFileSync(p, Buffer.from(e.hex, 'hex'));
      else if ('link' in e) {
        const depth = key.split('/').length - 1;
        const target = e.link.startsWith('/sys/') ? `${'../'.repeat(depth)}${e.link.slice(5)}` : e.link;
        symlinkSync(target, p);
      } else if ('dir' in e) mkdirp(p);
      else {
        writeFileSync(p, '');
        chmodSync(p, 0o000);
      }
    }
  } catch (e) {
    return err(fsErrno(e), `materializing ${current === '' ? dir : `entry "${current}"`}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return ok({ sysRoot, procRoot });
}
