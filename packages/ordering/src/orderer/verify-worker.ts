/**
 * Worker thread of Broadcast's verify pool (verify-pool.ts): checks
 * creator signatures, a batch per message (verify-jobs.ts). Keeps the
 * public keys it was sent, by id, until told to forget them.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { runVerifyBatch, type VerifyRequest } from './verify-jobs.js';

const keys = new Map<number, KeyObject>();

parentPort!.on('message', (req: VerifyRequest) => {
  if (req.resetKeys) keys.clear();
  for (const [id, key] of req.keys) keys.set(id, key);
  const res = runVerifyBatch(keys, req);
  parentPort!.postMessage(res, [res.codes.buffer]);
});
