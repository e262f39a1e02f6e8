// The output writer's second thread (write-outputs.ts): it carries out the file-system
// operations the main thread sends while that thread renders the next nodes, so that on
// two cores rendering and the disk's work overlap. Batches arrive in order; after the first
// failure the rest are skipped, and the reply to the final message says what failed. Each
// batch done (or skipped) is counted in shared memory, which the main thread waits on
// when it is far ahead.
import { parentPort, workerData } from 'node:worker_threads';
import {
  failureOf,
  type OperationFailure,
  OperationRunner,
  type WorkerData,
  type WorkerMessage,
  type WorkerReply,
} from './output-operations.ts';

const batchesDone = new Int32Array((workerData as WorkerData).batchesDone);

const runner = new OperationRunner();
let failure: OperationFailure | undefined;

parentPort!.on('message', (message: WorkerMessage) => {
  if ('finish' in message) {
    parentPort!.postMessage((failure ? { failure } : {}) satisfies WorkerReply);
    return;
  }
  try {
    if (!failure) for (const operation of message.operations) runner.run(operation);
  } catch (error) {
    failure = failureOf(error);
  }
  Atomics.add(batchesDone, 0, 1);
  Atomics.notify(batchesDone, 0);
});
