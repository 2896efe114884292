/**
 * The check behind every signature job, shared by the worker threads and by
 * a pool of size 0, which checks on the calling thread (deterministic
 * simulations, where a worker's start-up would cost more than the checks).
 * Never throws on what a block contains: every job ends in a JobResult.
 */
import { IdentityError, type Identity, type MspRegistry } from '@alliance/protocol';
import { JOB_INTS, JobResult } from './signature-jobs.js';

/** Checks job `j` of `ints` (see SignatureJobs) against `registry` at `atMs`. */
export function checkSignatureJob(registry: MspRegistry, base: Uint8Array, ints: Int32Array, j: number, atMs: number): JobResult {
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

/** Checks every job of a slice (`ints`, `times` as `SignatureJobs.slice` lays them out); one JobResult each. */
export function checkSignatureJobs(registry: MspRegistry, base: Uint8Array, ints: Int32Array, times: Float64Array): Uint8Array {
  const results = new Uint8Array(times.length);
  for (let j = 0; j < results.length; j++) results[j] = checkSignatureJob(registry, base, ints, j, times[j]!);
  return results;
}
