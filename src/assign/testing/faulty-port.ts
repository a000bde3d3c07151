import { err, ok } from '../../model/errno.js';
import type { AssignPort } from '../actions.js';

/**
 * Wrap a port so that write number `n` (0-based) fails with `errno` — or, with `silent`, returns
 * success without doing anything (drivers_probe "succeeding" while nothing binds).
 */
export function faultyPort(port: AssignPort, n: number, how: 'error' | 'silent' = 'error'): AssignPort {
  let i = 0;
  return {
    read: (p) => port.read(p), readLink: (p) => port.readLink(p), list: (p) => port.list(p),
    write(p, d) {
      if (i++ === n) return how === 'silent' ? ok() : err('EIO', `injected failure at write ${n} (${p})`);
      return port.write(p, d);
    },
  };
}
