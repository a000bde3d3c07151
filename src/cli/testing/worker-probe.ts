import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';

/**
 * Preloaded by a test (`node --import dist/cli/testing/worker-probe.js bin/dmaown.js ...`): every
 * worker thread the process starts reports on stderr where its script is, whether it failed and how
 * it ended ("worker-probe: start|error|exit ..."). The reader swallows a worker's failure and reads
 * its share itself (describe-parallel.ts), so only this says whether the worker's file was found.
 */
class ProbedWorker extends wt.Worker {
  constructor(file: string | URL, opts?: wt.WorkerOptions) {
    super(file, opts);
    process.stderr.write(`worker-probe: start ${String(file)}\n`);
    this.on('error', (e: Error) => { process.stderr.write(`worker-probe: error ${e.message.split('\n')[0]}\n`); });
    this.on('exit', (code: number) => { process.stderr.write(`worker-probe: exit ${code}\n`); });
  }
}
if (wt.isMainThread) {
  wt.Worker = ProbedWorker;
  syncBuiltinESMExports();
}
