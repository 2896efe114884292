/**
 * Broadcast with its creator signatures verified on worker threads answers
 * every envelope exactly as it does inline (status, info, block, and the
 * order envelopes reach the chain), under concurrency, after close, and
 * when a worker dies with jobs in flight. The workers run the compiled
 * dist/orderer/verify-worker.js (turbo builds before testing).
 */
import { describe, expect, it } from 'vitest';
import { TestChannel } from '@alliance/ledger/testing';
import { common } from '@alliance/protocol';
import { BroadcastHandler, type BroadcastResult } from '../src/index.js';
import { VERIFY_INLINE_RUN_MAX } from '../src/orderer/constants.js';
import { VerifyPool } from '../src/orderer/verify-pool.js';
import { TestOrdererChannel, genesis } from './orderer-fixture.js';

const { Status } = common;
const DAY_MS = 24 * 3600 * 1000;

function tamperSignature(envelope: Uint8Array): Uint8Array {
  const env = common.Envelope.decode(envelope);
  const signature = Uint8Array.from(env.signature);
  signature[signature.length - 1]! ^= 0x01;
  return common.Envelope.encode({ payload: env.payload, signature }).finish();
}

function handler(tc: TestChannel, verifyWorkers: number): { handler: BroadcastHandler; channel: TestOrdererChannel } {
  const channel = new TestOrdererChannel(genesis(tc).config);
  const h = new BroadcastHandler({ channels: (id) => (id === tc.channelId ? channel : undefined), signer: tc.orderer, nowMs: () => tc.nowMs, verifyWorkers });
  return { handler: h, channel };
}

/** Envelopes of every kind, `rounds` times over: valid, bad signature, unknown creator, not a writer, expired, malformed. */
function mixed(tc: TestChannel, rounds: number): Uint8Array[] {
  const stranger = TestChannel.create({ orgs: ['Org1MSP'] });
  const old = tc.identity('Org1MSP', 'client', 'expired', { notBeforeMs: tc.t0Ms - 2 * DAY_MS, notAfterMs: tc.t0Ms + 3600_000 });
  const out: Uint8Array[] = [];
  for (let i = 0; i < rounds; i++) {
    out.push(
      tc.tx().envelope,
      tamperSignature(tc.tx().envelope),
      stranger.tx().envelope,
      tc.tx({ creator: tc.orderer }).envelope,
      tc.tx({ creator: old, timestampMs: tc.t0Ms }).envelope,
      Uint8Array.of(0xff, 0x01, i & 0xff),
      tc.tx({ creator: tc.orgs[1]!.client }).envelope,
    );
  }
  return out;
}

async function submitAll(h: BroadcastHandler, envelopes: readonly Uint8Array[]): Promise<BroadcastResult[]> {
  return Promise.all(envelopes.map((e) => h.submit(e)));
}

describe('Broadcast with a signature verify pool', () => {
  it('answers valid, bad-signature, unknown-creator and not-a-writer envelopes as inline, and orders them in submit order', async () => {
    const tc = TestChannel.create();
    const envelopes = mixed(tc, 20);
    const inline = handler(tc, 0);
    const pooled = handler(tc, 2);
    try {
      expect(inline.handler.verifyPool).toBeUndefined();
      const expected = await submitAll(inline.handler, envelopes);
      const actual = await submitAll(pooled.handler, envelopes);
      expect(pooled.handler.verifyPool!.workers.length).toBe(2);
      expect(actual).toEqual(expected);
      const statuses = new Set(expected.map((r) => r.status));
      expect(statuses).toEqual(new Set([Status.SUCCESS, Status.FORBIDDEN, Status.BAD_REQUEST]));
      expect(expected[1]).toMatchObject({ status: Status.FORBIDDEN, info: expect.stringMatching(/Writers/) });
      expect(expected[2]).toMatchObject({ status: Status.FORBIDDEN, info: expect.stringMatching(/Writers/) });
      expect(expected[3]).toMatchObject({ status: Status.FORBIDDEN, info: expect.stringMatching(/Writers/) });
      expect(expected[4]).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/expired/) });
      expect(pooled.channel.chain.ordered.map((o) => o.envelope)).toEqual(inline.channel.chain.ordered.map((o) => o.envelope));
      expect(pooled.channel.chain.ordered).toHaveLength(40);
    } finally {
      await pooled.handler.close();
    }
  });

  it('resolves many concurrent submits, in waves, with one worker', async () => {
    const tc = TestChannel.create();
    const valid = Array.from({ length: 600 }, () => tc.tx().envelope);
    const bad = valid.slice(0, 200).map(tamperSignature);
    const { handler: h, channel } = handler(tc, 1);
    try {
      const first = submitAll(h, [...valid.slice(0, 300), ...bad]);
      await new Promise((resolve) => setImmediate(resolve));
      const second = submitAll(h, valid.slice(300));
      const [a, b] = await Promise.all([first, second]);
      expect(a.slice(0, 300).every((r) => r.status === Status.SUCCESS)).toBe(true);
      expect(a.slice(300).every((r) => r.status === Status.FORBIDDEN)).toBe(true);
      expect(b.every((r) => r.status === Status.SUCCESS)).toBe(true);
      expect(channel.chain.ordered.map((o) => o.envelope)).toEqual(valid);
    } finally {
      await h.close();
    }
  });

  it('close terminates the workers; later submits are verified inline', async () => {
    const tc = TestChannel.create();
    const { handler: h } = handler(tc, 2);
    await submitAll(h, mixed(tc, 10));
    const workers = [...h.verifyPool!.workers];
    expect(workers).toHaveLength(2);
    const exits = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    await h.close();
    await Promise.all(exits);
    expect(h.verifyPool!.workers).toHaveLength(0);
    const after = await submitAll(h, [tc.tx().envelope, tamperSignature(tc.tx().envelope), tc.tx().envelope]);
    expect(after.map((r) => r.status)).toEqual([Status.SUCCESS, Status.FORBIDDEN, Status.SUCCESS]);
    await h.close();
  });

  it('a worker killed with jobs in flight does not hang them: they are verified inline, the worker replaced', async () => {
    const tc = TestChannel.create();
    const envelopes = mixed(tc, 40);
    const expected = await submitAll(handler(tc, 0).handler, envelopes);
    const { handler: h } = handler(tc, 1);
    try {
      const answers = submitAll(h, envelopes);
      // The pool posts this turn's batch in a setImmediate queued before this one: kill its worker now.
      await new Promise((resolve) => setImmediate(resolve));
      const [victim] = h.verifyPool!.workers;
      expect(victim).toBeDefined();
      await victim!.terminate();
      expect(await answers).toEqual(expected);
      // The replacement serves the next wave.
      expect(await submitAll(h, envelopes.slice(0, 70))).toEqual(expected.slice(0, 70).map((r) => ({ ...r, ...(r.blockNumber === undefined ? {} : { blockNumber: expect.any(Number) }) })));
      expect(h.verifyPool!.workers).toHaveLength(1);
      expect(h.verifyPool!.workers[0]).not.toBe(victim);
    } finally {
      await h.close();
    }
  });

  it('a few envelopes at once on an idle pool are verified inline and reach the chain at once', async () => {
    const tc = TestChannel.create();
    const { handler: h, channel } = handler(tc, 1);
    try {
      const envelopes = Array.from({ length: VERIFY_INLINE_RUN_MAX }, () => tc.tx().envelope);
      const answers = submitAll(h, envelopes);
      expect(channel.chain.ordered).toHaveLength(VERIFY_INLINE_RUN_MAX);
      expect((await answers).every((r) => r.status === Status.SUCCESS)).toBe(true);
      expect(h.verifyPool!.workers).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('the pool alone: booleans as inline for good and bad signatures, inline once closed', async () => {
    const tc = TestChannel.create();
    const signer = tc.orgs[0]!.client;
    const messages = Array.from({ length: 50 }, (_, i) => Uint8Array.of(i, 1, 2, 3));
    const signatures = messages.map((m) => signer.sign(m));
    const pool = new VerifyPool(2);
    try {
      const verdicts = await Promise.all(messages.map((m, i) => pool.verify(signer.publicKey, m, i % 3 === 0 ? signatures[(i + 1) % 50]! : signatures[i]!)));
      expect(verdicts).toEqual(messages.map((_, i) => i % 3 !== 0));
      expect(await pool.verify(signer.publicKey, messages[0]!, new Uint8Array(0))).toBe(false);
    } finally {
      await pool.close();
    }
    expect(pool.claimInline()).toBe(true);
    expect(await pool.verify(signer.publicKey, messages[1]!, signatures[1]!)).toBe(true);
  });
});
