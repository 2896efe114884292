/**
 * Worker thread: checks signatures of block transactions. Holds its own
 * MspRegistry (identities cached per worker), reads job bytes straight from
 * the block's SharedArrayBuffer, and never throws on what a block contains:
 * every job ends in a JobResult (see signature-check.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MspRegistry, type MspDefinition } from '@alliance/protocol';
import { checkSignatureJobs } from './signature-check.js';
import type { WorkerRequest, WorkerResponse } from './signature-pool.js';

let registry = new MspRegistry((workerData as { mspDefinitions: MspDefinition[] }).mspDefinitions);

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'msps') {
    registry = new MspRegistry(msg.mspDefinitions);
    return;
  }
  const results = checkSignatureJobs(registry, new Uint8Array(msg.buffer), msg.ints, msg.times);
  const reply: WorkerResponse = { id: msg.id, results };
  parentPort!.postMessage(reply, [results.buffer as ArrayBuffer]);
});
