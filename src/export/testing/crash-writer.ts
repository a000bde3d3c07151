/**
 * A child process for the atomic-write crash test: writes the content of file argv[3] to argv[2] with writeAtomic on
 * Node's fs, but stops inside rename(2)'s call site — after the temporary file is written, fsynced and
 * closed, before the rename — says so on stdout and waits to be killed.
 */
import { readFileSync, writeSync } from 'node:fs';
import { writeAtomic } from '../atomic-write.js';
import { nodeWritePort, type WritePort } from '../write-port.js';

const [target, source] = process.argv.slice(2);
if (target === undefined || source === undefined) process.exit(2);
const content = readFileSync(source, 'utf8');
const real = nodeWritePort();
const stopping: WritePort = {
  ...real,
  rename: (from) => {
    writeSync(1, `before-rename ${from}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocks until SIGKILL
    return real.rename(from, target);
  },
};
writeAtomic(stopping, target, content);
