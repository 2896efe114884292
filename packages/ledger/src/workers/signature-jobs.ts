/**
 * Signature checks as flat jobs over one shared buffer, so a block's bytes
 * cross to worker threads once (a SharedArrayBuffer) and each job is eight
 * integers: where the signer's serialized identity, the signed data (one or
 * two pieces, concatenated) and the signature sit in that buffer.
 */

export const JOB_INTS = 8;

/** Outcome of one job. */
export const enum JobResult {
  OK = 0,
  /** The identity does not deserialize (malformed, unknown MSP, bad certificate). */
  IDENTITY_MALFORMED = 1,
  /** The identity deserializes but is not valid at the job's time (chain, expiry, revocation, OUs). */
  IDENTITY_INVALID = 2,
  /** The signature is malformed, high-S, or does not verify. */
  SIGNATURE_INVALID = 3,
}

/** Accumulates jobs for one buffer. */
export class SignatureJobs {
  private ints: Int32Array;
  private times: Float64Array;
  private n = 0;

  constructor(readonly base: Uint8Array, capacity = 64) {
    this.ints = new Int32Array(capacity * JOB_INTS);
    this.times = new Float64Array(capacity);
  }

  get count(): number {
    return this.n;
  }

  private offsetOf(view: Uint8Array): number {
    // An absent bytes field (an endorsement without endorser or signature) decodes to an empty array of its
    // own: there are no bytes to find, and the check fails on the emptiness. It used to trip the assertion below.
    if (view.length === 0) return 0;
    const off = view.byteOffset - this.base.byteOffset;
    if (view.buffer !== this.base.buffer || off < 0 || off + view.length > this.base.length) {
      throw new Error('assertion failed: signature job bytes lie inside the shared block buffer');
    }
    return off;
  }

  /** Adds a job and returns its index: `signature` by `identity` over data1 ‖ data2 at `atMs`. */
  add(identity: Uint8Array, data1: Uint8Array, data2: Uint8Array | undefined, signature: Uint8Array, atMs: number): number {
    if (this.n * JOB_INTS === this.ints.length) {
      const ints = new Int32Array(this.ints.length * 2);
      ints.set(this.ints);
      this.ints = ints;
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
    }
    const o = this.n * JOB_INTS;
    const i = this.ints;
    i[o] = this.offsetOf(identity); i[o + 1] = identity.length;
    i[o + 2] = this.offsetOf(data1); i[o + 3] = data1.length;
    i[o + 4] = data2 ? this.offsetOf(data2) : 0; i[o + 5] = data2 ? data2.length : -1;
    i[o + 6] = this.offsetOf(signature); i[o + 7] = signature.length;
    this.times[this.n] = atMs;
    return this.n++;
  }

  /** The jobs [from, to) as arrays ready to post. */
  slice(from: number, to: number): { ints: Int32Array; times: Float64Array } {
    return { ints: this.ints.slice(from * JOB_INTS, to * JOB_INTS), times: this.times.slice(from, to) };
  }
}
