/**
 * The endorser's signature work as batches a worker thread can run: the
 * messages between the crypto pool and its workers, and the loop a worker
 * runs over one batch. Kept free of threads so a batch runs the same on any
 * thread.
 *
 * A batch packs every job's bytes into one ArrayBuffer (transferred, not
 * copied) and names keys by small integers; a key's KeyObject crosses to a
 * worker once, with the first batch that needs it.
 */
import type { KeyObject } from 'node:crypto';
import { P256_SIGNATURE_BYTES_MAX, SignatureError, signMessage, verifySignature } from '@alliance/protocol';

/** What a job does. */
export const JobOp = { VERIFY: 0, SIGN: 1 } as const;

/**
 * A job's outcome. VERIFY jobs: OK or the SignatureError code the check
 * threw. SIGN jobs: OK with the signature. KEY_UNKNOWN and FAILED are bugs
 * (a key that was never sent; anything else a job threw).
 */
export const JobCode = {
  OK: 0,
  SIGNATURE_MALFORMED: 1,
  SIGNATURE_HIGH_S: 2,
  SIGNATURE_INVALID: 3,
  KEY_INVALID: 4,
  KEY_UNSUPPORTED: 5,
  KEY_UNKNOWN: 6,
  FAILED: 7,
} as const;

const SIGNATURE_CODES: readonly SignatureError['code'][] = ['SIGNATURE_MALFORMED', 'SIGNATURE_HIGH_S', 'SIGNATURE_INVALID', 'KEY_INVALID', 'KEY_UNSUPPORTED'];

/** The JobCode of a SignatureError code. */
export function jobCodeOf(code: SignatureError['code']): number {
  return SIGNATURE_CODES.indexOf(code) + 1;
}

/** The SignatureError code of a JobCode from 1 to 5. */
export function signatureCodeOf(jobCode: number): SignatureError['code'] | undefined {
  return SIGNATURE_CODES[jobCode - 1];
}

/** Messages to a worker. */
export type CryptoRequest = {
  readonly kind: 'batch';
  readonly id: number;
  /** JobOp per job. */
  readonly ops: Uint8Array;
  /** Key id per job. */
  readonly keyIds: Int32Array;
  /** Per job: message offset, message length, signature offset, signature length (0 for SIGN) in `data`. */
  readonly spans: Int32Array;
  readonly data: ArrayBuffer;
  /** Keys this worker has not seen yet, by id. */
  readonly keys: readonly (readonly [number, KeyObject])[];
  /** Forget every key first (the pool's bound on keys per worker was reached). */
  readonly resetKeys: boolean;
};

/** A worker's answer to one batch. */
export interface CryptoResponse {
  readonly id: number;
  /** JobCode per job. */
  readonly codes: Uint8Array;
  /** Per job: signature length; SIGN job j's signature is at j * P256_SIGNATURE_BYTES_MAX in `signatures`. */
  readonly signatureLengths: Uint8Array;
  readonly signatures: ArrayBuffer;
  /** The error message of every job that did not end OK (rare: bad input or a bug), by job index. */
  readonly errors: readonly (readonly [number, string])[];
}

/**
 * Runs one batch against a worker's key table. Never throws for what the
 * batch holds: a bad signature is a code, a missing key KEY_UNKNOWN.
 */
export function runCryptoBatch(keys: Map<number, KeyObject>, req: CryptoRequest): CryptoResponse {
  const n = req.ops.length;
  const data = new Uint8Array(req.data);
  const codes = new Uint8Array(n);
  const signatureLengths = new Uint8Array(n);
  const signatures = new Uint8Array(n * P256_SIGNATURE_BYTES_MAX);
  const errors: [number, string][] = [];
  for (let j = 0; j < n; j++) {
    const key = keys.get(req.keyIds[j]!);
    if (!key) {
      codes[j] = JobCode.KEY_UNKNOWN;
      errors.push([j, `key ${req.keyIds[j]} was never sent`]);
      continue;
    }
    const message = data.subarray(req.spans[4 * j]!, req.spans[4 * j]! + req.spans[4 * j + 1]!);
    try {
      if (req.ops[j] === JobOp.VERIFY) {
        verifySignature(key, message, data.subarray(req.spans[4 * j + 2]!, req.spans[4 * j + 2]! + req.spans[4 * j + 3]!));
      } else {
        const signature = signMessage(key, message);
        signatures.set(signature, j * P256_SIGNATURE_BYTES_MAX);
        signatureLengths[j] = signature.length;
      }
      codes[j] = JobCode.OK;
    } catch (err) {
      codes[j] = err instanceof SignatureError ? jobCodeOf(err.code) : JobCode.FAILED;
      errors.push([j, err instanceof Error ? err.message : String(err)]);
    }
  }
  return { id: req.id, codes, signatureLengths, signatures: signatures.buffer, errors };
}
