/**
 * RaftChain over the orderer's own block code: the leader's BlockCreator
 * builds, every node's BlockWriter seals with raft_index and its signature,
 * MemoryOrdererBlockStore keeps the blocks; a follower restarted after the
 * leader compacted its log installs a snapshot and pulls the blocks in
 * between from another orderer.
 */
import { createRng } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { blockHeaderHash, common } from '@alliance/protocol';
import { describe, expect, it } from 'vitest';
import {
  MemoryOrdererBlockStore, MemoryWalDisk, OrdererBlockBuilder, OrdererBlockSink, RaftChain, RaftLogStore, raftIndexOf, type Message, type NodeId,
} from '../src/index.js';
import { genesis } from './orderer-fixture.js';

const VOTERS = [1, 2, 3];
const enc = new TextEncoder();

describe('RaftChain with the orderer\'s BlockCreator, BlockWriter and block store', () => {
  it('orders one chain of sealed blocks on three orderers, and catches a restarted follower up through a snapshot', async () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const stores = new Map<NodeId, MemoryOrdererBlockStore>();
    const disks = new Map<NodeId, MemoryWalDisk>();
    const chains = new Map<NodeId, RaftChain>();
    let queue: { to: NodeId; m: Message }[] = [];
    const pull = async (n: number) => {
      for (const s of stores.values()) if (s.height > n) return s.get(n);
      throw new Error(`no orderer holds block ${n}`);
    };
    const start = async (id: NodeId) => {
      const disk = disks.get(id)?.crash('keep-unsynced') ?? new MemoryWalDisk();
      disks.set(id, disk);
      const sink = await OrdererBlockSink.open(stores.get(id)!, tc.orderer, pull);
      chains.set(id, await RaftChain.open({
        id, store: await RaftLogStore.openDisk(disk), sink, builder: new OrdererBlockBuilder(sink.lastBlock()), rng: createRng(id),
        bootstrap: { voters: VOTERS, learners: [] },
        transport: { send: (to, ms) => { for (const m of ms) queue.push({ to, m }); }, forward: () => undefined },
        batch: { messagesMax: 3, absoluteBytesMax: 4096, preferredBytesMax: 2048, timeoutMs: 500 },
        raft: { electionTicks: 10, heartbeatTicks: 1 }, snapshotIntervalBlocks: 2,
      }));
    };
    for (const id of VOTERS) {
      const store = new MemoryOrdererBlockStore();
      await store.append(g.block);
      stores.set(id, store);
      await start(id);
    }
    const round = async (down = new Set<NodeId>()) => {
      for (const c of chains.values()) c.tick();
      const batch = queue;
      queue = [];
      for (const { to, m } of batch) if (!down.has(to) && !down.has(m.from)) chains.get(to)!.step(m);
      for (const [id, c] of chains) if (!down.has(id)) await c.process();
    };
    const leader = async () => {
      for (let r = 0; r < 200; r++) {
        const l = [...chains.values()].find((c) => c.status().role === 'leader');
        if (l) return l;
        await round();
      }
      throw new Error('no leader');
    };
    const l = await leader();
    const follower = VOTERS.find((id) => id !== l.id)!;
    for (let k = 0; k < 6; k++) l.order(enc.encode(`tx-${k}`));
    for (let r = 0; r < 20; r++) await round();
    // The follower is down while more blocks commit and the others compact past what it holds.
    const down = new Set([follower]);
    for (let k = 6; k < 18; k++) l.order(enc.encode(`tx-${k}`));
    for (let r = 0; r < 30; r++) await round(down);
    await start(follower);
    for (let r = 0; r < 60; r++) await round();
    expect(chains.get(follower)!.stats.snapshotsInstalled).toBeGreaterThan(0);

    const heights = VOTERS.map((id) => stores.get(id)!.height);
    expect(new Set(heights).size).toBe(1);
    expect(heights[0]).toBeGreaterThan(6);
    const envelopes: string[] = [];
    let lastRaftIndex = 0n;
    for (let n = 1; n < heights[0]!; n++) {
      const blocks = await Promise.all(VOTERS.map(async (id) => common.Block.decode(await stores.get(id)!.get(n))));
      const hashes = blocks.map((b) => Buffer.from(blockHeaderHash(b.header!)).toString('hex'));
      expect(new Set(hashes).size, `block ${n} has one header everywhere`).toBe(1);
      const raftIndex = raftIndexOf(blocks[0]!);
      expect(raftIndex).toBeGreaterThan(lastRaftIndex);
      lastRaftIndex = raftIndex;
      envelopes.push(...(blocks[0]!.data!.data ?? []).map((e) => new TextDecoder().decode(e)));
    }
    expect(envelopes).toEqual(Array.from({ length: 18 }, (_, k) => `tx-${k}`));
  });
});
