import { parentPort, workerData } from 'node:worker_threads';
import { readUnit, type WorkerInput } from './describe-parallel.js';
import { livePort } from './live-port.js';

/**
 * A reader thread of describe-parallel.ts: claims units of work from the shared counter until none is
 * left and posts each unit's steps back (config bytes transferred, not copied).
 */
const input = workerData as WorkerInput;
const port = livePort(input.port);
const counter = new Int32Array(input.next);
for (let u = Atomics.add(counter, 0, 1); u < input.units.length; u = Atomics.add(counter, 0, 1)) {
  const steps = readUnit(port, input.units[u]!);
  const transfer: ArrayBuffer[] = [];
  for (const s of steps) if ('d' in s && s.d.config.byteLength > 0 && s.d.config.byteOffset === 0 && s.d.config.buffer.byteLength === s.d.config.byteLength) transfer.push(s.d.config.buffer as ArrayBuffer);
  parentPort?.postMessage({ unit: u, steps }, transfer);
}
