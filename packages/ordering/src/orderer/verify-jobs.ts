/**
 * Broadcast's creator-signature checks as batches a worker thread can run:
 * the messages between the verify pool and its workers, and the loop a
 * worker runs over one batch. Free of threads, so a batch runs the same on
 * any thread (and inline when a worker dies).
 *
 * A batch packs every job's payload and signature into one ArrayBuffer
 * (transferred, not copied) and names public keys by small integers; a
 * key's KeyObject crosses to a worker once, with the first batch that
 * needs it, and the worker keeps it (one per creator identity).
 */
import type { KeyObject } from 'node:crypto';
import { verifySignature } from '@alliance/protocol';

/** A message to a verify worker. */
export interface VerifyRequest {
  readonly id: number;
  /** Key id per job. */
  readonly keyIds: Int32Array;
  /** Per job: message offset, message length, signature offset, signature length in `data`. */
  readonly spans: Int32Array;
  readonly data: ArrayBuffer;
  /** Keys this worker has not been sent yet, by id. */
  readonly keys: readonly (readonly [number, KeyObject])[];
  /** Forget every key first (the pool's bound on keys per worker was reached). */
  readonly resetKeys: boolean;
}

/** Job outcomes. KEY_UNKNOWN is a bug in the pool (a key id never sent); the pool then checks that job inline. */
export const VerifyCode = { VALID: 0, INVALID: 1, KEY_UNKNOWN: 2 } as const;

/** A worker's answer to one batch. */
export interface VerifyResponse {
  readonly id: number;
  /** VerifyCode per job, in request order. */
  readonly codes: Uint8Array<ArrayBuffer>;
}

/**
 * Whether `signature` is this key's ECDSA signature over SHA-256(message),
 * as the policy check counts it (Fabric's SignatureSetToValidIdentities):
 * any failure, malformed or high-S included, is simply not a signature.
 */
export function creatorSignatureValid(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    verifySignature(publicKey, message, signature);
    return true;
  } catch {
    return false;
  }
}

/** Runs one batch against a worker's key table; never throws for what the batch holds. */
export function runVerifyBatch(keys: ReadonlyMap<number, KeyObject>, req: VerifyRequest): VerifyResponse {
  const n = req.keyIds.length;
  const data = new Uint8Array(req.data);
  const codes = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const key = keys.get(req.keyIds[j]!);
    if (!key) {
      codes[j] = VerifyCode.KEY_UNKNOWN;
      continue;
    }
    const m = req.spans[4 * j]!;
    const s = req.spans[4 * j + 2]!;
    const ok = creatorSignatureValid(key, data.subarray(m, m + req.spans[4 * j + 1]!), data.subarray(s, s + req.spans[4 * j + 3]!));
    codes[j] = ok ? VerifyCode.VALID : VerifyCode.INVALID;
  }
  return { id: req.id, codes };
}
