// The output writer's second thread (write-outputs.ts): it carries out the file-system
// operations the main thread sends while that thread renders the next nodes, so that on
// two cores rendering and the disk's work overlap. Batches arrive in order; after the first
// failure the rest are skipped, and the reply to the final message says what failed.
import { parentPort } from 'node:worker_threads';
import {
  failureOf,
  type OperationFailure,
  OperationRunner,
  type WorkerMessage,
  type WorkerReply,
} from './output-operations.ts';

const runner = new OperationRunner();
let failure: OperationFailure | undefined;

parentPort!.on('message', (message: WorkerMessage) => {
  if ('finish' in message) {
    parentPort!.postMessage((failure ? { failure } : {}) satisfies WorkerReply);
    return;
  }
  if (failure) return;
  try {
    for (const operation of message.operations) runner.run(operation);
  } catch (error) {
    failure = failureOf(error);
  }
});
