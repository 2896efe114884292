/**
 * The client side of the orderer benchmark: pre-built ENDORSER_TRANSACTION
 * envelopes of ENVELOPE_BYTES signed by the channel's client identities (the
 * creator's certificate in the signature header, an ECDSA P-256 signature
 * over the payload), and a driver keeping a fixed number of envelopes in
 * flight, each lane submitting its next envelope once the previous one's
 * answer came back (with Broadcast answering when the block is written, as
 * without early acknowledgement).
 */
import { createRng, rngIntBelow } from '@alliance/ledger';
import type { TestChannel } from '@alliance/ledger/testing';
import { buildSignedEnvelope, common, type SigningIdentity } from '@alliance/protocol';

/** Total bytes of one envelope (common.Envelope as sent), as the issue asks: ~1 KiB. */
export const ENVELOPE_BYTES = 1024;
/** Seeded filler every payload takes a distinct window of. */
const FILLER_BYTES = 64 * 1024;

/**
 * `count` distinct signed envelopes of ENVELOPE_BYTES, creators alternating over the channel's
 * clients, timestamped when every certificate is valid.
 */
export function signedEnvelopes(tc: TestChannel, count: number, seed: number): Uint8Array[] {
  const rng = createRng(seed);
  const filler = Uint8Array.from({ length: FILLER_BYTES }, () => rngIntBelow(rng, 256));
  const clients: SigningIdentity[] = tc.orgs.map((o) => o.client);
  const build = (k: number, dataBytes: number): Uint8Array => {
    const at = (k * 131) % (FILLER_BYTES - dataBytes);
    return buildSignedEnvelope({
      type: common.HeaderType.ENDORSER_TRANSACTION, channelId: tc.channelId, data: filler.subarray(at, at + dataBytes),
      signer: clients[k % clients.length]!, timestampMs: tc.nowMs,
    });
  };
  // Overhead: headers, certificate, nonce, signature (a DER signature varies by a byte or two).
  const overhead = build(0, 0).length;
  const dataBytes = ENVELOPE_BYTES - overhead - 3;
  if (dataBytes <= 0) throw new Error(`assertion failed: an envelope's overhead (${overhead} B) leaves room for data`);
  return Array.from({ length: count }, (_, k) => build(k, dataBytes));
}

/** What a run of the driver saw. */
export interface LoadResult {
  readonly wallMs: number;
  /** Latency of each submission, submit to answer (ms), sorted. */
  readonly latenciesMs: number[];
  /** Answers by status (common.Status), when the submission answers one. */
  readonly statuses: Map<number, number>;
}

/**
 * Submits every envelope through `submit` with `inFlight` lanes; `done` is awaited after the last
 * answer (e.g. until every orderer wrote the last block) and counts in the wall time.
 */
export async function runLoad(
  envelopes: readonly Uint8Array[], inFlight: number, submit: (envelope: Uint8Array) => Promise<number>, done: () => Promise<void>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < envelopes.length) {
      const env = envelopes[next++]!;
      const t0 = performance.now();
      const status = await submit(env);
      latenciesMs.push(performance.now() - t0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, envelopes.length) }, lane));
  await done();
  const wallMs = performance.now() - t0;
  latenciesMs.sort((a, b) => a - b);
  return { wallMs, latenciesMs, statuses };
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
