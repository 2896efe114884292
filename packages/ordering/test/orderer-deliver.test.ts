/**
 * Deliver over a real chain in both block stores: oldest, newest and
 * specified positions, stops, FAIL_IF_NOT_READY, BLOCK_UNTIL_READY waking
 * on append, cancellation, and the Readers policy, with Fabric's statuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestChannel } from '@alliance/ledger/testing';
import { alliance, common, longToNumber, orderer, toUnsignedLong } from '@alliance/protocol';
import {
  DeliverHandler, FileOrdererBlockStore, MemoryOrdererBlockStore, encodeDeliverResponse, type DeliverResult, type OrdererBlockStore,
} from '../src/index.js';
import {
  ChainBuilder, TestOrdererChannel, genesis, newest, oldest, readChannelConfig, seekRequest, specified, tempDir,
} from './orderer-fixture.js';

const { Status } = common;
const { BLOCK_UNTIL_READY, FAIL_IF_NOT_READY } = orderer.SeekInfo.SeekBehavior;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function collect(it: AsyncIterable<DeliverResult>): Promise<(number | string)[]> {
  const out: (number | string)[] = [];
  for await (const r of it) out.push(r.type === 'block' ? r.number : `status ${r.status}`);
  return out;
}

const stores: [string, () => Promise<OrdererBlockStore>][] = [
  ['memory', async () => new MemoryOrdererBlockStore()],
  ['file', async () => {
    const { dir, cleanup } = await tempDir();
    const store = await FileOrdererBlockStore.open({ dir });
    cleanups.push(cleanup, () => store.close());
    return store;
  }],
];

describe.each(stores)('Deliver (%s store)', (_name, openStore) => {
  async function setup(blocks = 4) {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const store = await openStore();
    await store.append(g.block);
    const chain = new ChainBuilder(tc.orderer, g.block);
    const append = async () => store.append(chain.next([tc.tx().envelope]));
    while (store.height < blocks) await append();
    const channel = new TestOrdererChannel(g.config, undefined, store);
    const handler = new DeliverHandler({ channels: (id) => (id === tc.channelId ? channel : undefined), nowMs: () => tc.nowMs });
    const deliver = (seek: orderer.ISeekInfo, options?: Parameters<typeof seekRequest>[2], signal?: AbortSignal) => handler.deliver(seekRequest(tc, seek, options), signal);
    return { tc, g, store, channel, handler, append, deliver };
  }

  it('oldest to newest: every block, then SUCCESS', async () => {
    const { deliver } = await setup();
    expect(await collect(deliver({ start: oldest, stop: newest }))).toEqual([0, 1, 2, 3, `status ${Status.SUCCESS}`]);
  });

  it('specified ranges, a single newest block, and a stop of oldest', async () => {
    const { deliver } = await setup();
    expect(await collect(deliver({ start: specified(1), stop: specified(2) }))).toEqual([1, 2, 'status 200']);
    expect(await collect(deliver({ start: newest, stop: newest }))).toEqual([3, 'status 200']);
    expect(await collect(deliver({ start: specified(2), stop: oldest }))).toEqual([2, 'status 200']);
    expect(await collect(deliver({ start: specified(3), stop: specified(3) }))).toEqual([3, 'status 200']);
  });

  it('the blocks are the stored bytes; encodeDeliverResponse splices them into a DeliverResponse', async () => {
    const { deliver, store } = await setup(2);
    const results: DeliverResult[] = [];
    for await (const r of deliver({ start: specified(1), stop: specified(1) })) results.push(r);
    const first = results[0]!;
    expect(first.type).toBe('block');
    if (first.type !== 'block') return;
    expect(Buffer.from(first.block).equals(await store.get(1))).toBe(true);
    const decoded = orderer.DeliverResponse.decode(encodeDeliverResponse(first));
    expect(longToNumber(decoded.block!.header!.number)).toBe(1);
    expect(orderer.DeliverResponse.decode(encodeDeliverResponse(results[1]!)).status).toBe(Status.SUCCESS);
  });

  it('BAD_REQUEST when the stop is before the start, or a position names nothing', async () => {
    const { deliver } = await setup();
    expect(await collect(deliver({ start: specified(3), stop: specified(1) }))).toEqual(['status 400']);
    expect(await collect(deliver({ start: oldest }))).toEqual(['status 400']);
    expect(await collect(deliver({ start: {}, stop: newest }))).toEqual(['status 400']);
  });

  it('FAIL_IF_NOT_READY: NOT_FOUND for a start past the height, and when the stop is not stored yet', async () => {
    const { deliver } = await setup();
    expect(await collect(deliver({ start: specified(9), stop: specified(9), behavior: FAIL_IF_NOT_READY }))).toEqual(['status 404']);
    expect(await collect(deliver({ start: specified(2), stop: specified(5), behavior: FAIL_IF_NOT_READY }))).toEqual([2, 3, 'status 404']);
  });

  it('BLOCK_UNTIL_READY waits for blocks and wakes on append', async () => {
    const { deliver, append, store } = await setup();
    const results = collect(deliver({ start: specified(4), stop: specified(5), behavior: BLOCK_UNTIL_READY }));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.height).toBe(4);
    await append();
    await append();
    expect(await results).toEqual([4, 5, 'status 200']);
  });

  it('cancellation ends a waiting stream without a status', async () => {
    const { deliver } = await setup();
    const controller = new AbortController();
    const results = collect(deliver({ start: specified(2), stop: specified(100) }, {}, controller.signal));
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await results).toEqual([2, 3]);
  });

  it('a consumer that stops reading ends the stream', async () => {
    const { deliver, append } = await setup();
    const stream = deliver({ start: specified(3), stop: specified(100) });
    for await (const r of stream) {
      expect(r).toMatchObject({ type: 'block', number: 3 });
      break;
    }
    await append();
  });

  it('FORBIDDEN outside /Channel/Readers, for a bad signature and an expired certificate', async () => {
    const { tc, deliver } = await setup();
    expect(await collect(deliver({ start: oldest, stop: newest }, { signer: tc.orderer }))).toEqual(['status 403']);
    expect(await collect(deliver({ start: oldest, stop: newest }, { signer: TestChannel.create().orgs[0]!.client }))).toEqual(['status 403']);
    const old = tc.identity('Org2MSP', 'client', 'expired', { notBeforeMs: tc.t0Ms - 2 * 86_400_000, notAfterMs: tc.t0Ms + 3600_000 });
    expect(await collect(deliver({ start: oldest, stop: newest }, { signer: old }))).toEqual(['status 403']);
    expect(await collect(deliver({ start: oldest, stop: newest }, { signer: tc.orgs[1]!.peer }))).toEqual([0, 1, 2, 3, 'status 200']);
  });

  it('FORBIDDEN mid-stream when a new configuration takes the reader\'s org out of Readers', async () => {
    const { g, deliver, channel, append } = await setup();
    // Org1's client reads; the next configuration's Readers is Org2's own Readers policy
    const results = collect(deliver({ start: specified(3), stop: specified(10) }));
    await new Promise((r) => setTimeout(r, 10));
    const config = alliance.ChannelConfig.decode(g.config.bytes);
    config.sequence = toUnsignedLong(1);
    config.policies['Readers'] = alliance.ChannelConfig.decode(g.config.bytes).organizations[1]!.policies!['Readers']!;
    channel.config = readChannelConfig(alliance.ChannelConfig.encode(config).finish());
    await append();
    expect(await results).toEqual([3, 'status 403']);
  });

  it('NOT_FOUND for a channel not served; BAD_REQUEST for a wrong header type, an old timestamp, garbage', async () => {
    const { tc, deliver, handler } = await setup();
    expect(await collect(deliver({ start: oldest, stop: newest }, { channelId: 'other' }))).toEqual(['status 404']);
    expect(await collect(deliver({ start: oldest, stop: newest }, { type: common.HeaderType.ENDORSER_TRANSACTION }))).toEqual(['status 400']);
    expect(await collect(deliver({ start: oldest, stop: newest }, { timestampMs: tc.nowMs - 16 * 60_000 }))).toEqual(['status 400']);
    expect(await collect(handler.deliver(Uint8Array.of(1, 2, 3)))).toEqual(['status 400']);
  });
});
