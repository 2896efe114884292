/**
 * Worker thread of the endorser's crypto pool: verifies proposal
 * signatures and signs endorsements, a batch per message (crypto-jobs.ts).
 * Keeps the KeyObjects it was sent, by id, until told to forget them.
 */
import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { runCryptoBatch, type CryptoRequest } from './crypto-jobs.js';

const keys = new Map<number, KeyObject>();

parentPort!.on('message', (req: CryptoRequest) => {
  if (req.resetKeys) keys.clear();
  for (const [id, key] of req.keys) keys.set(id, key);
  const res = runCryptoBatch(keys, req);
  parentPort!.postMessage(res, [res.signatures]);
});
