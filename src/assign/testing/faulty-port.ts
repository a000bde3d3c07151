import { err, ok } from '../../model/errno.js';
import type { AssignPort } from '../actions.js';
import type { Result, SysErrno } from '../../model/errno.js';

/**
 * Wrap a port so that write number `n` (0-based; a module load or unload counts as a write) fails
 * with `errno` — or, with `silent`, returns success without doing anything (drivers_probe
 * "succeeding" while nothing binds, modprobe returning 0 and registering nothing).
 */
export function faultyPort(port: AssignPort, n: number, how: 'error' | 'silent' = 'error'): AssignPort {
  let i = 0;
  const inject = (what: string, real: () => Result<void, SysErrno>): Result<void, SysErrno> =>
    i++ === n ? (how === 'silent' ? ok() : err('EIO', `injected failure at write ${n} (${what})`)) : real();
  return {
    read: (p) => port.read(p), readLink: (p) => port.readLink(p), list: (p) => port.list(p),
    write: (p, d) => inject(p, () => port.write(p, d)),
    loadModule: (m) => inject(`modprobe ${m}`, () => port.loadModule?.(m) ?? err('EOPNOTSUPP', 'no module loading')),
    unloadModule: (m) => inject(`modprobe -r ${m}`, () => port.unloadModule?.(m) ?? err('EOPNOTSUPP', 'no module loading')),
  };
}
