/**
 * Three whole orderers in one process for the orderer benchmark (issue #5),
 * wired only from what @alliance/ordering exports, as its tests wire them:
 * per orderer a temporary directory holding a RaftLogStore on FsWalDisk (one
 * fdatasync per Ready) and a FileOrdererBlockStore (the ledger's block files
 * + LevelDB index, one fsync per block) seeded with the channel's genesis
 * block; an OrdererBlockSink (BlockWriter: every orderer signs its copy of
 * each block with its own identity) wrapped by CommitWaiters; a RaftChain
 * (cutter MaxMessageCount 500, other batch settings and MaxInflightBlocks at
 * their defaults); a RaftOrderingChain and a BroadcastHandler over the
 * channel configuration read from the genesis block.
 *
 * The network is in-process and asynchronous: messages are encoded with the
 * Raft codec at the sender, queued, and delivered (decoded, stepped) in one
 * setImmediate batch; every orderer whose chain got input is then driven
 * (`process`, again while input arrived meanwhile). Ticks: fast manual
 * ticks until a leader is elected, then a real timer of TICK_MS_DEFAULT
 * (500 ms: heartbeats, and BatchTimeout would count them).
 *
 * Instruments (main-thread time, synchronous parts only; see `Timings`) are
 * wrapped around the exported pieces, never inside them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRng } from '@alliance/ledger';
import type { TestChannel } from '@alliance/ledger/testing';
import { common, type SigningIdentity } from '@alliance/protocol';
import {
  BroadcastHandler, CommitWaiters, DEFAULT_BATCH_CONFIG, FileOrdererBlockStore, OrdererBlockBuilder, OrdererBlockSink, RaftChain, RaftLogStore,
  RaftOrderingChain, Role, TICK_MS_DEFAULT, configOfBlock, decodeMessage, encodeMessage, type BlockReader, type BlockSink, type BroadcastResult,
  type Message, type NodeId, type OrderingChain, type OrderOptions,
} from '@alliance/ordering';

export const CLUSTER_NODES = 3;
/** Fabric's default BatchSize.MaxMessageCount, as the issue asks. */
export const BLOCK_ENVELOPES = 500;
/** Manual ticks allowed for the first election (electionTicks 10, randomized in [10, 20)). */
const ELECTION_TICKS_MAX = 400;
/** Delivery rounds `idle` waits before declaring the cluster stuck: a bug, not a load. */
const IDLE_ROUNDS_MAX = 100_000;

/** Main-thread ms spent in each instrumented piece (synchronous parts: work up to the first await). */
export interface Timings {
  /** BroadcastHandler.submit up to its call of the chain: parse, size, expiry, signature + Writers policy. */
  broadcastMs: number;
  /** RaftOrderingChain.order at the leader: commit waiter, block cutter, building a cut block (BlockCreator) and proposing it. */
  orderMs: number;
  /** RaftLogStore.save on every node: encoding the record, CRC, handing the write to the disk. */
  walSaveMs: number;
  /** OrdererBlockSink.write on every node: decoding the entry, sealing (raft_index, signature), FileOrdererBlockStore.append. */
  blockWriteMs: number;
  /** CommitWaiters matching a written block's envelopes to waiting Broadcasts (block decode included). */
  waitersMs: number;
  /** The transport: encodeMessage at the sender, decodeMessage + step at the receiver. */
  transportMs: number;
  /** RaftLogStore.save calls on every node, and their wall time to durable (write + fdatasync, waiting included). */
  walSaves: number;
  walSaveWallMs: number;
  /** Blocks written on every node, and the wall time of OrdererBlockSink.write to durable (fsync, waiting included). */
  blockWrites: number;
  blockWriteWallMs: number;
}

function freshTimings(): Timings {
  return { broadcastMs: 0, orderMs: 0, walSaveMs: 0, blockWriteMs: 0, waitersMs: 0, transportMs: 0, walSaves: 0, walSaveWallMs: 0, blockWrites: 0, blockWriteWallMs: 0 };
}

export interface ClusterNode {
  readonly id: NodeId;
  readonly wal: RaftLogStore;
  readonly blocks: FileOrdererBlockStore;
  readonly sink: OrdererBlockSink;
  readonly waiters: CommitWaiters;
  readonly chain: RaftChain;
  /** What Broadcast orders through (RaftOrderingChain, timed, and driving the chain after each call). */
  readonly ordering: OrderingChain;
  /** BroadcastHandler.submit of this orderer (timed). */
  readonly submit: (envelope: Uint8Array) => Promise<BroadcastResult>;
  /** This orderer's Broadcast (closed with the cluster: stops its signature workers). */
  readonly broadcast: BroadcastHandler;
}

export interface OrdererClusterOptions {
  /** BroadcastHandler's verifyWorkers (default: its own, the cores less one; 0: signatures verified inline). */
  readonly verifyWorkers?: number;
}

type Packet = { readonly to: NodeId; readonly bytes: Uint8Array } | { readonly to: NodeId; readonly from: NodeId; readonly envelopes: readonly Uint8Array[] };

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Reads blocks for CommitWaiters, decoding each block once (numberOf and envelopesOf are asked in turn). */
function blockReader(t: Timings): BlockReader {
  let last: Uint8Array | undefined;
  let decoded: common.Block | undefined;
  const decode = (bytes: Uint8Array): common.Block => {
    if (bytes !== last) {
      decoded = common.Block.decode(bytes);
      last = bytes;
    }
    return decoded!;
  };
  return {
    numberOf: (bytes) => {
      const t0 = performance.now();
      const n = Number(decode(bytes).header!.number);
      t.waitersMs += performance.now() - t0;
      return n;
    },
    envelopesOf: (bytes) => {
      const t0 = performance.now();
      const envelopes = decode(bytes).data?.data ?? [];
      t.waitersMs += performance.now() - t0;
      return envelopes;
    },
  };
}

export class OrdererCluster {
  readonly nodes: ClusterNode[] = [];
  readonly timings: Timings = freshTimings();
  /** Raft messages and their encoded bytes since the last reset. */
  messages = 0;
  messageBytes = 0;
  #queue: Packet[] = [];
  #flushScheduled = false;
  readonly #running = new Map<NodeId, Promise<void>>();
  readonly #again = new Set<NodeId>();
  #failure: unknown;
  #timer: ReturnType<typeof setInterval> | undefined;
  #heightWanted = 0;
  #heightReached: (() => void) | undefined;

  private constructor(readonly dir: string, readonly tc: TestChannel, readonly genesis: Uint8Array) {}

  /**
   * Opens three orderers in fresh temporary directories, elects a leader with manual ticks, then
   * starts the tick timer.
   */
  static async open(tc: TestChannel, genesis: Uint8Array, signers: readonly SigningIdentity[], options: OrdererClusterOptions = {}): Promise<OrdererCluster> {
    check(signers.length === CLUSTER_NODES, 'one signing identity per orderer');
    const c = new OrdererCluster(await mkdtemp(path.join(tmpdir(), 'alliance-bench-orderer-')), tc, genesis);
    const voters = Array.from({ length: CLUSTER_NODES }, (_, i) => i + 1);
    const config = configOfBlock(genesis);
    for (const id of voters) {
      const wal = await RaftLogStore.open(path.join(c.dir, `orderer-${id}`, 'wal'));
      const save = wal.save.bind(wal);
      wal.save = (s) => {
        const t0 = performance.now();
        const p = save(s);
        c.timings.walSaveMs += performance.now() - t0;
        c.timings.walSaves++;
        return p.then(() => {
          c.timings.walSaveWallMs += performance.now() - t0;
        });
      };
      const blocks = await FileOrdererBlockStore.open({ dir: path.join(c.dir, `orderer-${id}`, 'blocks') });
      await blocks.append(genesis);
      const sink = await OrdererBlockSink.open(blocks, signers[id - 1]!, (n) => c.#pull(n));
      const waiters = new CommitWaiters(blockReader(c.timings));
      const chain = await RaftChain.open({
        id, store: wal, sink: waiters.wrap(c.#timedSink(sink)), builder: new OrdererBlockBuilder(sink.lastBlock()), rng: createRng(id),
        bootstrap: { voters, learners: [] },
        transport: {
          send: (to, ms) => c.#send(ms.map((m) => ({ to, m }))),
          forward: (to, envelopes) => c.#enqueue({ to, from: id, envelopes }),
        },
        batch: { ...DEFAULT_BATCH_CONFIG, messagesMax: BLOCK_ENVELOPES },
        tickMs: TICK_MS_DEFAULT,
      });
      const raftOrdering = new RaftOrderingChain(() => chain, waiters);
      const ordering: OrderingChain = {
        order: (envelope: Uint8Array, options: OrderOptions) => {
          const t0 = performance.now();
          const p = raftOrdering.order(envelope, options);
          c.timings.orderMs += performance.now() - t0;
          c.#kick(id);
          return p;
        },
      };
      const channel = { config, chain: ordering, store: blocks };
      const broadcast = new BroadcastHandler({
        channels: (chId) => (chId === tc.channelId ? channel : undefined), signer: signers[id - 1]!, nowMs: () => tc.nowMs,
        ...(options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers }),
      });
      // Broadcast's own time is its synchronous part less the chain's (timed in `ordering` above); with
      // signature workers, what runs after a worker answers (Writers policy, handing on) counts as "rest".
      const submit = (bytes: Uint8Array): Promise<BroadcastResult> => {
        const order0 = c.timings.orderMs;
        const t0 = performance.now();
        const p = broadcast.submit(bytes);
        c.timings.broadcastMs += performance.now() - t0 - (c.timings.orderMs - order0);
        return p;
      };
      c.nodes.push({ id, wal, blocks, sink, waiters, chain, ordering, submit, broadcast });
    }
    await c.#elect();
    c.#timer = setInterval(() => c.tick(), TICK_MS_DEFAULT);
    return c;
  }

  /** The orderer that leads (every orderer knows it). */
  get leader(): ClusterNode {
    const l = this.nodes.find((n) => n.chain.status().role === Role.LEADER);
    check(l !== undefined, 'a leader is elected');
    return l;
  }

  /** One tick on every orderer (Raft timers, BatchTimeout, commit-waiter expiry), then drives them. */
  tick(): void {
    for (const n of this.nodes) {
      n.chain.tick();
      n.waiters.tick();
      this.#kick(n.id);
    }
  }

  resetCounters(): void {
    Object.assign(this.timings, freshTimings());
    this.messages = 0;
    this.messageBytes = 0;
  }

  /** Heights (blocks held, genesis included) of every orderer. */
  heights(): number[] {
    return this.nodes.map((n) => n.blocks.height);
  }

  /**
   * Resolves once every orderer holds `height` blocks.
   * @throws Error when the cluster failed or `timeoutMs` passes first
   */
  async untilHeight(height: number, timeoutMs: number): Promise<void> {
    if (this.heights().every((h) => h >= height)) return;
    this.#heightWanted = height;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#heightReached = resolve;
        timer = setTimeout(() => reject(new Error(`orderers at heights ${this.heights().join(', ')} after ${timeoutMs} ms, ${height} wanted; ${this.#describe()}`)), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.#heightReached = undefined;
    }
    this.#throwIfFailed();
  }

  /** Checks that every orderer holds the same chain: equal heights and identical block headers. */
  async checkIdentical(): Promise<void> {
    const heights = this.heights();
    check(heights.every((h) => h === heights[0]), `equal heights: ${heights.join(', ')}`);
    for (const n of [1, heights[0]! - 1]) {
      const headers = await Promise.all(this.nodes.map(async (o) => Buffer.from(common.BlockHeader.encode(common.Block.decode(await o.blocks.get(n)).header!).finish()).toString('hex')));
      check(new Set(headers).size === 1, `block ${n} has one header on every orderer`);
    }
  }

  /** Stops the timer, waits for the orderers to settle, closes every store and removes the directories. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#idle();
    } finally {
      for (const n of this.nodes) {
        await n.broadcast.close();
        await n.wal.close();
        await n.blocks.close();
      }
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  // --- Network and driving -------------------------------------------------------

  #send(list: readonly { to: NodeId; m: Message }[]): void {
    const t0 = performance.now();
    for (const { to, m } of list) {
      const bytes = encodeMessage(m);
      this.messages++;
      this.messageBytes += bytes.length;
      this.#queue.push({ to, bytes });
    }
    this.timings.transportMs += performance.now() - t0;
    this.#scheduleFlush();
  }

  #enqueue(p: Packet): void {
    this.#queue.push(p);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Delivers everything queued in one batch, then drives every orderer that got input. */
  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const touched = new Set<NodeId>();
    const t0 = performance.now();
    for (const p of batch) {
      const chain = this.nodes[p.to - 1]!.chain;
      if ('bytes' in p) chain.step(decodeMessage(p.bytes));
      else chain.receiveForwarded(p.from, p.envelopes);
      touched.add(p.to);
    }
    this.timings.transportMs += performance.now() - t0;
    for (const id of touched) this.#kick(id);
  }

  /** Drives orderer `id` (process, and again while input arrived during the run). */
  #kick(id: NodeId): void {
    if (this.#running.has(id)) {
      this.#again.add(id);
      return;
    }
    const chain = this.nodes[id - 1]!.chain;
    const run = (async () => {
      do {
        this.#again.delete(id);
        await chain.process();
      } while (this.#again.has(id));
    })().catch((err: unknown) => {
      this.#failure ??= err;
      this.#heightReached?.();
    }).finally(() => this.#running.delete(id));
    this.#running.set(id, run);
  }

  #timedSink(inner: OrdererBlockSink): BlockSink {
    return {
      lastBlock: () => inner.lastBlock(),
      lastRaftIndex: () => inner.lastRaftIndex(),
      height: () => inner.height(),
      write: (block, raftIndex) => {
        const t0 = performance.now();
        const p = inner.write(block, raftIndex);
        this.timings.blockWriteMs += performance.now() - t0;
        this.timings.blockWrites++;
        return p.then(() => {
          this.timings.blockWriteWallMs += performance.now() - t0;
          this.#written();
        });
      },
      catchUp: (block, raftIndex) => inner.catchUp(block, raftIndex).then(() => this.#written()),
    };
  }

  #written(): void {
    if (this.#heightReached && this.heights().every((h) => h >= this.#heightWanted)) this.#heightReached();
  }

  async #pull(n: number): Promise<Uint8Array> {
    for (const node of this.nodes) if (node.blocks.height > n) return node.blocks.get(n);
    throw new Error(`no orderer holds block ${n}`);
  }

  /** Manual ticks until every orderer follows one leader that can propose. */
  async #elect(): Promise<void> {
    for (let t = 0; t < ELECTION_TICKS_MAX; t++) {
      const leaders = this.nodes.filter((n) => n.chain.status().role === Role.LEADER);
      if (leaders.length === 1 && this.nodes.every((n) => n.chain.status().leader === leaders[0]!.id)) {
        await this.#idle();
        return;
      }
      this.tick();
      await this.#idle();
    }
    throw new Error(`no leader after ${ELECTION_TICKS_MAX} ticks: ${this.#describe()}`);
  }

  /** Waits until no message is queued and no orderer is being driven. */
  async #idle(): Promise<void> {
    for (let r = 0; r < IDLE_ROUNDS_MAX; r++) {
      this.#throwIfFailed();
      if (this.#queue.length === 0 && !this.#flushScheduled && this.#running.size === 0) return;
      await Promise.all([...this.#running.values()]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`the cluster does not settle: ${this.#describe()}`);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw new Error(`an orderer failed: ${String(this.#failure)}`, { cause: this.#failure });
  }

  #describe(): string {
    return JSON.stringify(this.nodes.map((n) => {
      const s = n.chain.status();
      return { id: s.id, role: s.role, leader: s.leader, term: s.term, applied: s.applied, height: s.height, inflight: s.inflightBlocks, queued: s.queuedBatches, pending: s.pendingEnvelopes };
    }));
  }
}
