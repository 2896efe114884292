/**
 * Worker thread: checks signatures of block transactions. Holds its own
 * MspRegistry (identities cached per worker), reads job bytes straight from
 * the block's SharedArrayBuffer, and never throws on what a block contains:
 * every job ends in a JobResult.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { IdentityError, MspRegistry, type Identity, type MspDefinition } from '@alliance/protocol';
import { JOB_INTS, JobResult } from './signature-jobs.js';
import type { WorkerRequest, WorkerResponse } from './signature-pool.js';

let registry = new MspRegistry((workerData as { mspDefinitions: MspDefinition[] }).mspDefinitions);

function check(base: Uint8Array, ints: Int32Array, j: number, atMs: number): JobResult {
  const o = j * JOB_INTS;
  const identityBytes = base.subarray(ints[o]!, ints[o]! + ints[o + 1]!);
  let identity: Identity;
  try {
    identity = registry.deserialize(identityBytes);
  } catch {
    return JobResult.IDENTITY_MALFORMED;
  }
  try {
    registry.validate(identity, atMs);
  } catch (err) {
    if (err instanceof IdentityError) return JobResult.IDENTITY_INVALID;
    throw err;
  }
  const d1 = base.subarray(ints[o + 2]!, ints[o + 2]! + ints[o + 3]!);
  const d2Len = ints[o + 5]!;
  const data = d2Len < 0 ? d1 : Buffer.concat([d1, base.subarray(ints[o + 4]!, ints[o + 4]! + d2Len)]);
  const signature = base.subarray(ints[o + 6]!, ints[o + 6]! + ints[o + 7]!);
  try {
    identity.verify(data, signature);
    return JobResult.OK;
  } catch {
    return JobResult.SIGNATURE_INVALID;
  }
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'msps') {
    registry = new MspRegistry(msg.mspDefinitions);
    return;
  }
  const base = new Uint8Array(msg.buffer);
  const results = new Uint8Array(msg.times.length);
  for (let j = 0; j < results.length; j++) results[j] = check(base, msg.ints, j, msg.times[j]!);
  const reply: WorkerResponse = { id: msg.id, results };
  parentPort!.postMessage(reply, [results.buffer as ArrayBuffer]);
});
