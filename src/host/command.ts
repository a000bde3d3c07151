import { spawnSync } from 'node:child_process';
import { err, ok, type Result } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';

/**
 * Run a command of the host (the initramfs tool), inheriting stdout/stderr, and answer with a value:
 * ENOENT when the program is missing, EIO when it exits non-zero (the status in `why`).
 */
export function runCommand(argv: readonly string[]): Result<void> {
  const [prog, ...args] = argv;
  if (prog === undefined) return err('EINVAL', 'empty command');
  const r = spawnSync(prog, args, { stdio: 'inherit' });
  if (r.error) return err(fsErrno(r.error), `${prog}: ${r.error.message}`);
  return r.status === 0 ? ok() : err('EIO', `${argv.join(' ')} exited with status ${r.status ?? `signal ${r.signal}`}`);
}
