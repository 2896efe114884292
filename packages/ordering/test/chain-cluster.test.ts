/**
 * RaftChain: three orderers on an in-test transport, each with a real
 * RaftLogStore on FsWalDisk in a temporary directory and the simulation's
 * block builder and sink. Blocks are ordered and applied identically on all
 * nodes; restarts recover from the WAL; the raft_index guard skips blocks
 * already in the sink; followers forward; BatchTimeout counts ticks; the
 * in-flight bound holds; no leader is a typed SERVICE_UNAVAILABLE error.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRng } from '@alliance/ledger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BroadcastStatus, ChainError, CommitWaiters, RaftChain, RaftOrderingChain, broadcastStatusOf, type BlockSink, type RaftChainOptions,
} from '../src/chain/index.js';
import { RaftLogStore } from '../src/wal/index.js';
import { decodeSimBlock, SimBlockBuilder, SimBlockSink } from '../src/sim/index.js';
import type { Message, NodeId } from '../src/index.js';

const VOTERS = [1, 2, 3];
const enc = new TextEncoder();
const dec = new TextDecoder();

type Packet = { from: NodeId; to: NodeId; m: Message } | { from: NodeId; to: NodeId; envelopes: readonly Uint8Array[] };

class Harness {
  readonly chains = new Map<NodeId, RaftChain>();
  readonly stores = new Map<NodeId, RaftLogStore>();
  readonly sinks = new Map<NodeId, SimBlockSink>();
  queue: Packet[] = [];
  /** What the chain of node `id` writes through (default: the node's SimBlockSink itself). */
  wrapSink: (id: NodeId, sink: SimBlockSink) => BlockSink = (_id, sink) => sink;
  readonly cut = new Set<NodeId>();
  constructor(readonly dir: string, readonly options: Partial<RaftChainOptions> = {}) {
    harnesses.push(this);
  }

  async start(id: NodeId, sink: SimBlockSink = this.sinks.get(id) ?? new SimBlockSink((n) => this.pull(n))): Promise<RaftChain> {
    const store = await RaftLogStore.open(path.join(this.dir, `orderer-${id}`), { segmentBytesMax: 4096 });
    this.sinks.set(id, sink);
    const chain = await RaftChain.open({
      id, store, sink: this.wrapSink(id, sink), builder: new SimBlockBuilder(), rng: createRng(id),
      bootstrap: { voters: VOTERS, learners: [] },
      transport: {
        send: (to, messages) => { for (const m of messages) this.queue.push({ from: id, to, m }); },
        forward: (to, envelopes) => { this.queue.push({ from: id, to, envelopes }); },
      },
      batch: { messagesMax: 4, absoluteBytesMax: 4096, preferredBytesMax: 2048, timeoutMs: 1000 },
      raft: { electionTicks: 10, heartbeatTicks: 1 },
      snapshotIntervalBlocks: 3,
      ...this.options,
    });
    this.chains.set(id, chain);
    this.stores.set(id, store);
    return chain;
  }

  pull(n: number): Uint8Array | undefined {
    for (const s of this.sinks.values()) if (s.blocks[n]) return s.blocks[n];
    return undefined;
  }

  async stop(id: NodeId): Promise<void> {
    await this.stores.get(id)!.close();
    this.chains.delete(id);
    this.stores.delete(id);
    this.queue = this.queue.filter((p) => p.from !== id && p.to !== id);
  }

  /** Delivers everything queued, processes every node; `tick` ticks every node first. */
  async round(tick: boolean): Promise<void> {
    if (tick) for (const c of this.chains.values()) c.tick();
    const batch = this.queue;
    this.queue = [];
    for (const p of batch) {
      const c = this.chains.get(p.to);
      if (!c || this.cut.has(p.from) || this.cut.has(p.to)) continue;
      if ('m' in p) c.step(p.m);
      else c.receiveForwarded(p.from, p.envelopes);
    }
    for (const c of this.chains.values()) await c.process();
  }

  async until(done: () => boolean, roundsMax = 400): Promise<void> {
    for (let r = 0; r < roundsMax; r++) {
      if (done()) return;
      await this.round(true);
    }
    throw new Error(`not done after ${roundsMax} rounds: ${JSON.stringify([...this.chains.values()].map((c) => c.status()))}`);
  }

  leader(): RaftChain | undefined {
    return [...this.chains.values()].find((c) => c.status().role === 'leader');
  }

  envelopesIn(sink: SimBlockSink): string[] {
    return sink.blocks.slice(1).flatMap((b) => decodeSimBlock(b).envelopes.map((e) => dec.decode(e)));
  }

  /** Every node holds the same blocks, byte for byte, and `keys` are all in them. */
  converged(keys: readonly string[]): boolean {
    const sinks = [...this.chains.keys()].map((id) => this.sinks.get(id)!);
    const h = sinks[0]!.height();
    if (!sinks.every((s) => s.height() === h)) return false;
    const have = new Set(this.envelopesIn(sinks[0]!));
    return keys.every((k) => have.has(k));
  }

  assertIdentical(): void {
    const sinks = [...this.sinks.values()];
    const first = sinks[0]!;
    for (const s of sinks) {
      expect(s.height()).toBe(first.height());
      for (let n = 0; n < s.height(); n++) expect(Buffer.from(s.blocks[n]!).equals(Buffer.from(first.blocks[n]!))).toBe(true);
    }
  }
}

let dir: string;
const harnesses: Harness[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'alliance-chain-'));
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) for (const s of h.stores.values()) await s.close();
  await rm(dir, { recursive: true, force: true });
});

async function cluster(options: Partial<RaftChainOptions> = {}): Promise<Harness> {
  const h = new Harness(dir, options);
  for (const id of VOTERS) await h.start(id);
  await h.until(() => {
    const leader = h.leader();
    return leader !== undefined && [...h.chains.values()].every((c) => c.status().leader === leader.id);
  });
  return h;
}

async function orderAll(h: Harness, keys: readonly string[], at: (k: number) => NodeId): Promise<void> {
  for (const [k, key] of keys.entries()) {
    h.chains.get(at(k))!.order(enc.encode(key));
    await h.round(false);
  }
}

describe('RaftChain on three orderers with FsWalDisk', () => {
  it('orders envelopes given to any node into one chain applied identically everywhere, with snapshots compacting the WAL', async () => {
    const h = await cluster();
    const keys = Array.from({ length: 40 }, (_, k) => `env-${k}`);
    await orderAll(h, keys, (k) => VOTERS[k % 3]!);
    await h.until(() => h.converged(keys));
    h.assertIdentical();
    const envelopes = h.envelopesIn(h.sinks.get(1)!);
    expect(new Set(envelopes)).toEqual(new Set(keys));
    expect(envelopes.length).toBe(keys.length);
    for (const [id, store] of h.stores) {
      expect(store.snapshot().metadata.index, `node ${id} took snapshots`).toBeGreaterThan(0);
      expect(h.chains.get(id)!.stats.snapshotsTaken).toBeGreaterThan(0);
      const files = await readdir(path.join(dir, `orderer-${id}`));
      expect(files.filter((f) => f.endsWith('.snap')).length).toBeLessThanOrEqual(2);
    }
    const forwarded = [...h.chains.values()].reduce((n, c) => n + c.stats.envelopesForwarded, 0);
    expect(forwarded).toBeGreaterThan(0);
  });

  it('recovers every node from its WAL after restarts, one at a time and all at once, without duplicating a block', async () => {
    const h = await cluster();
    const keys: string[] = [];
    for (let life = 0; life < 4; life++) {
      const batch = Array.from({ length: 10 }, (_, k) => `life${life}-env${k}`);
      keys.push(...batch);
      await h.until(() => h.leader() !== undefined);
      const leader = h.leader()!.id;
      await orderAll(h, batch, () => leader);
      await h.until(() => h.converged(keys));
      if (life < 3) {
        const victim = VOTERS[life]!;
        await h.stop(victim);
        await h.start(victim);
      } else {
        for (const id of VOTERS) await h.stop(id);
        for (const id of VOTERS) await h.start(id);
      }
    }
    const more = ['after-full-restart-1', 'after-full-restart-2'];
    keys.push(...more);
    await h.until(() => h.leader() !== undefined);
    await orderAll(h, more, () => h.leader()!.id);
    await h.until(() => h.converged(keys));
    h.assertIdentical();
    expect(h.envelopesIn(h.sinks.get(1)!).length).toBe(keys.length);
  });

  it('skips committed blocks whose raft index is not above the sink\'s last (the raft_index guard)', async () => {
    const h = await cluster({ snapshotIntervalBlocks: 1000 });
    const first = Array.from({ length: 6 }, (_, k) => `a${k}`);
    await orderAll(h, first, () => h.leader()!.id);
    await h.until(() => h.converged(first));
    const lagging = [...h.chains.values()].find((c) => c.status().role !== 'leader')!.id;
    await h.stop(lagging);
    const second = Array.from({ length: 12 }, (_, k) => `b${k}`);
    await orderAll(h, second, () => h.leader()!.id);
    const up = VOTERS.filter((id) => id !== lagging);
    await h.until(() => up.every((id) => h.sinks.get(id)!.height() === h.sinks.get(up[0]!)!.height()) && h.envelopesIn(h.sinks.get(up[0]!)!).length === 18);
    // The lagging orderer's block store got ahead of its WAL (say, blocks pulled while it was down).
    const ahead = new SimBlockSink((n) => h.pull(n));
    const source = h.sinks.get(up[0]!)!;
    await ahead.catchUp(source.lastBlock(), source.lastRaftIndex());
    const restarted = await h.start(lagging, ahead);
    await h.until(() => h.converged([...first, ...second]) && restarted.status().applied >= ahead.lastRaftIndex());
    expect(restarted.stats.blocksSkipped).toBeGreaterThan(0);
    expect(restarted.stats.blocksWritten).toBe(0);
    h.assertIdentical();
  });

  it('cuts a batch smaller than MaxMessageCount once BatchTimeout has passed, counted in ticks', async () => {
    const h = await cluster({ tickMs: 250 });
    const leader = h.leader()!;
    const height = leader.status().height;
    leader.order(enc.encode('lonely'));
    for (let k = 0; k < 3; k++) await h.round(true);
    expect(leader.status().height).toBe(height);
    expect(leader.status().pendingEnvelopes).toBe(1);
    await h.until(() => h.converged(['lonely']), 20);
    expect(leader.status().height).toBe(height + 1);
  });

  it('orders a config envelope alone in a block, also when a follower forwards it', async () => {
    const h = await cluster({ isConfigEnvelope: (e) => dec.decode(e).startsWith('config') });
    const follower = [...h.chains.values()].find((c) => c.status().role !== 'leader')!;
    const leader = h.leader()!;
    leader.order(enc.encode('tx-1'));
    follower.order(enc.encode('config-1'));
    leader.order(enc.encode('tx-2'));
    await h.until(() => h.converged(['tx-1', 'config-1', 'tx-2']));
    const blocks = h.sinks.get(1)!.blocks.slice(1).map((b) => decodeSimBlock(b).envelopes.map((e) => dec.decode(e)));
    expect(blocks.find((b) => b.includes('config-1'))).toEqual(['config-1']);
  });

  it('serves Broadcast as an OrderingChain: order resolves with the block that holds the envelope, or rejects with ORDER_TIMEOUT', async () => {
    const reader = { numberOf: (b: Uint8Array) => decodeSimBlock(b).number, envelopesOf: (b: Uint8Array) => decodeSimBlock(b).envelopes };
    const waiters = new CommitWaiters(reader, 30);
    const h = new Harness(dir);
    h.wrapSink = (id, sink) => (id === 2 ? waiters.wrap(sink) : sink);
    for (const id of VOTERS) await h.start(id);
    await h.until(() => [...h.chains.values()].every((c) => c.status().leader !== 0 && h.leader() !== undefined));
    const ordering = new RaftOrderingChain(() => h.chains.get(2), waiters);
    let accepted = 0;
    const results = ['b1', 'b2', 'b3'].map((k) => ordering.order(enc.encode(k), { isConfig: false, accepted: () => accepted++ }));
    expect(accepted).toBe(3);
    await h.until(() => h.converged(['b1', 'b2', 'b3']));
    const numbers = (await Promise.all(results)).map((r) => r.blockNumber);
    for (const [k, n] of numbers.entries()) {
      expect(decodeSimBlock(h.sinks.get(2)!.blocks[n]!).envelopes.map((e) => dec.decode(e))).toContain(`b${k + 1}`);
    }
    expect(waiters.size).toBe(0);
    // Cut off from the others, the envelope never reaches a block: the wait ends after its ticks.
    h.cut.add(2);
    const lost = ordering.order(enc.encode('lost'), { isConfig: false });
    const outcome = lost.then(() => 'resolved', (err: unknown) => (err as ChainError).code);
    for (let t = 0; t < 30; t++) {
      waiters.tick();
      await h.round(true);
    }
    expect(await outcome).toBe('ORDER_TIMEOUT');
    expect(waiters.size).toBe(0);
  });

  it('keeps at most MaxInflightBlocks proposed and answers BACKLOG_FULL when the queue behind them is full', async () => {
    const h = await cluster({ inflightBlocksMax: 2 });
    const leader = h.leader()!;
    for (const id of VOTERS) if (id !== leader.id) h.cut.add(id);
    let busy: unknown;
    for (let k = 0; k < 400 && busy === undefined; k++) {
      try {
        leader.order(enc.encode(`flood-${k}`));
      } catch (err) {
        busy = err;
      }
      expect(leader.status().inflightBlocks).toBeLessThanOrEqual(2);
    }
    expect(busy).toBeInstanceOf(ChainError);
    expect((busy as ChainError).code).toBe('BACKLOG_FULL');
    expect(broadcastStatusOf(busy)).toBe(BroadcastStatus.SERVICE_UNAVAILABLE);
    h.cut.clear();
    await h.until(() => leader.status().queuedBatches === 0 && leader.status().inflightBlocks === 0);
  });

  it('refuses to order with NO_LEADER (SERVICE_UNAVAILABLE) when no leader is known, and BAD_REQUEST for an oversized envelope', async () => {
    const h = new Harness(dir);
    const chain = await h.start(1);
    let err: unknown;
    try {
      chain.order(enc.encode('too early'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).code).toBe('NO_LEADER');
    expect(broadcastStatusOf(err)).toBe(BroadcastStatus.SERVICE_UNAVAILABLE);
    let big: unknown;
    try {
      chain.order(new Uint8Array(5000));
    } catch (e) {
      big = e;
    }
    expect(broadcastStatusOf(big)).toBe(BroadcastStatus.BAD_REQUEST);
  });
});
