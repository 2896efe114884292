/**
 * Bad input never throws out of Broadcast or Deliver: random bytes, valid
 * envelopes with bytes flipped or cut, and envelopes built from random
 * header fields each get a status (Deliver: blocks, then exactly one status).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TestChannel } from '@alliance/ledger/testing';
import { common, encodeChannelHeader, encodeSignatureHeader, orderer } from '@alliance/protocol';
import { BroadcastHandler, DeliverHandler, buildConfigUpdateEnvelope, type DeliverResult } from '../src/index.js';
import { ChainBuilder, TestOrdererChannel, channelConfigBytes, genesis, oldest, newest, seekRequest } from './orderer-fixture.js';

const { Status } = common;
const BROADCAST_STATUSES = new Set([Status.SUCCESS, Status.BAD_REQUEST, Status.FORBIDDEN, Status.SERVICE_UNAVAILABLE]);
const DELIVER_STATUSES = new Set([Status.SUCCESS, Status.BAD_REQUEST, Status.FORBIDDEN, Status.NOT_FOUND, Status.SERVICE_UNAVAILABLE]);

async function setup() {
  const tc = TestChannel.create();
  const g = genesis(tc);
  const channel = new TestOrdererChannel(g.config);
  await channel.store.append(g.block);
  const chain = new ChainBuilder(tc.orderer, g.block);
  await channel.store.append(chain.next([tc.tx().envelope]));
  const channels = (id: string) => (id === tc.channelId ? channel : undefined);
  const broadcast = new BroadcastHandler({ channels, signer: tc.orderer, nowMs: () => tc.nowMs });
  const deliver = new DeliverHandler({ channels, nowMs: () => tc.nowMs });
  const seeds = [
    tc.tx().envelope,
    buildConfigUpdateEnvelope({ channelId: tc.channelId, config: channelConfigBytes(tc, { sequence: 1 }), signers: tc.orgs.map((o) => o.admin), submitter: tc.orgs[0]!.admin, timestampMs: tc.nowMs }),
    seekRequest(tc, { start: oldest, stop: newest, behavior: orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY }),
  ];
  return { tc, broadcast, deliver, seeds };
}

/** Runs a Deliver request to its end (FAIL_IF_NOT_READY or a stop keeps it finite; a wait is cut by a short abort). */
async function deliverAll(deliver: DeliverHandler, bytes: Uint8Array): Promise<DeliverResult[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20);
  const out: DeliverResult[] = [];
  try {
    for await (const r of deliver.deliver(bytes, controller.signal)) out.push(r);
  } finally {
    clearTimeout(timer);
  }
  return out;
}

function checkDeliver(results: DeliverResult[], aborted: boolean): void {
  const statuses = results.filter((r) => r.type === 'status');
  if (!aborted || statuses.length > 0) {
    expect(statuses).toHaveLength(1);
    expect(results.at(-1)?.type).toBe('status');
    const last = results.at(-1)!;
    if (last.type === 'status') expect(DELIVER_STATUSES.has(last.status)).toBe(true);
  }
}

function mutate(seed: Uint8Array, edits: readonly [number, number][], cut: number): Uint8Array {
  const bytes = Uint8Array.from(seed);
  for (const [at, value] of edits) bytes[at % bytes.length] = value;
  return bytes.subarray(0, Math.max(0, bytes.length - cut));
}

describe('fuzzed input never throws', () => {
  it('random bytes', async () => {
    const { broadcast, deliver } = await setup();
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
      expect(BROADCAST_STATUSES.has((await broadcast.submit(bytes)).status)).toBe(true);
      checkDeliver(await deliverAll(deliver, bytes), true);
    }), { numRuns: 300 });
  });

  it('valid envelopes with bytes flipped and cut', async () => {
    const { broadcast, deliver, seeds } = await setup();
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds), edits, fc.nat({ max: 40 }), async (seed, e, cut) => {
      const bytes = mutate(seed, e, cut);
      const r = await broadcast.submit(bytes);
      expect(BROADCAST_STATUSES.has(r.status)).toBe(true);
      expect(typeof r.info).toBe('string');
      checkDeliver(await deliverAll(deliver, bytes), true);
    }), { numRuns: 200 });
  });

  it('envelopes built from random header fields and data', async () => {
    const { tc, broadcast, deliver } = await setup();
    const signer = tc.orgs[0]!.client;
    const arbitraryEnvelope = fc.record({
      type: fc.integer({ min: -2, max: 12 }),
      channelId: fc.constantFrom(tc.channelId, '', 'other', '\u0000'),
      timestampMs: fc.oneof(fc.constant(tc.nowMs), fc.integer({ min: 0, max: 2 ** 45 })),
      data: fc.uint8Array({ maxLength: 256 }),
      creator: fc.oneof(fc.constant(signer.serialized), fc.uint8Array({ maxLength: 64 })),
      sign: fc.boolean(),
    }).map((f) => {
      const channelHeader = encodeChannelHeader({ type: f.type, channelId: f.channelId, timestampMs: f.timestampMs });
      const signatureHeader = encodeSignatureHeader(f.creator, Uint8Array.of(1, 2, 3));
      const payload = common.Payload.encode({ header: { channelHeader, signatureHeader }, data: f.data }).finish();
      return common.Envelope.encode({ payload, signature: f.sign ? signer.sign(payload) : Uint8Array.of(0x30, 0x00) }).finish();
    });
    const seen = new Set<number>();
    await fc.assert(fc.asyncProperty(arbitraryEnvelope, async (bytes) => {
      const r = await broadcast.submit(bytes);
      seen.add(r.status);
      expect(BROADCAST_STATUSES.has(r.status)).toBe(true);
      checkDeliver(await deliverAll(deliver, bytes), true);
    }), { numRuns: 300 });
    // the generator reaches past decoding: into the policy check and the chain
    expect([...seen].sort()).toEqual([Status.SUCCESS, Status.BAD_REQUEST, Status.FORBIDDEN]);
  });
});
