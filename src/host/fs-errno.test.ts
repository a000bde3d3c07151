/** The host turns node:fs codes into the model's errno names — one table (model/errno.ts), no second list. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO_NAMES, ERRNO_NUMBER, isErrno } from '../model/errno.js';
import { fsErrno } from './fs-errno.js';

test('one errno table: ERRNO_NAMES is the keys of ERRNO_NUMBER; isErrno accepts exactly those', () => {
  assert.deepEqual([...ERRNO_NAMES].sort(), Object.keys(ERRNO_NUMBER).sort());
  for (const n of ERRNO_NAMES) assert.equal(isErrno(n), true, n);
  for (const n of ['oops', 'blocked', 'EWHATEVER', '', 'toString', 42, null, undefined]) assert.equal(isErrno(n), false, String(n));
});

test('fsErrno keeps every errno name of the table, and reads anything else as EIO', () => {
  for (const n of ERRNO_NAMES) assert.equal(fsErrno(Object.assign(new Error(n), { code: n })), n);
  assert.equal(fsErrno(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' })), 'EIO');
  assert.equal(fsErrno(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })), 'EIO');
  assert.equal(fsErrno(new Error('no code')), 'EIO');
  assert.equal(fsErrno('ENOENT'), 'EIO');
});
