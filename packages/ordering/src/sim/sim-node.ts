/**
 * One simulated orderer: a RaftChain over a RaftLogStore on a MemoryWalDisk
 * (which tears unsynced writes when it crashes), a SimBlockSink that
 * survives crashes, and a transport into the simulated network. Crashing
 * drops the chain and keeps what the disk keeps; restarting opens the store
 * on the crashed image and the chain on the store.
 */
import { createRng } from '@alliance/ledger';
import { RaftChain } from '../chain/raft-chain.js';
import type { Transport } from '../chain/types.js';
import { encodeMessage } from '../core/raft/codec.js';
import type { ConfChange, ConfState, NodeId } from '../core/raft/types.js';
import { MemoryWalDisk, type WalCrashMode } from '../wal/memory-wal-disk.js';
import { RaftLogStore } from '../wal/raft-log-store.js';
import type { WalDisk } from '../wal/wal-disk.js';
import * as C from './constants.js';
import type { LogView } from './checker.js';
import type { SimNetwork } from './network.js';
import { SimBlockBuilder, type SimBlockSink } from './sim-blocks.js';
import type { BatchConfig } from '../core/cutter/block-cutter.js';

/**
 * A disk that acknowledges fsyncs it never makes (a broken disk or a
 * misconfigured cache): for showing that the checkers catch what such a
 * disk does to acknowledged data after a crash. Never used by default.
 */
export class LyingWalDisk implements WalDisk {
  constructor(private readonly inner: WalDisk) {}
  list(): Promise<string[]> { return this.inner.list(); }
  read(name: string): Promise<Uint8Array> { return this.inner.read(name); }
  create(name: string): Promise<void> { return this.inner.create(name); }
  append(name: string, parts: readonly Uint8Array[]): Promise<void> { return this.inner.append(name, parts); }
  sync(): Promise<void> { return Promise.resolve(); }
  truncate(name: string, size: number): Promise<void> { return this.inner.truncate(name, size); }
  rename(from: string, to: string): Promise<void> { return this.inner.rename(from, to); }
  remove(name: string): Promise<void> { return this.inner.remove(name); }
  syncDir(): Promise<void> { return Promise.resolve(); }
  close(): Promise<void> { return this.inner.close(); }
}

/** The knobs a seed draws: small bounds, so batching, snapshots, segment rolls and flow control all happen often. */
export interface SimTuning {
  readonly batch: BatchConfig;
  readonly snapshotIntervalBlocks: number;
  readonly inflightBlocksMax: number;
  readonly segmentBytesMax: number;
  readonly entriesPerMessageMax: number;
  readonly inflightMessagesMax: number;
  /** The leader's bound on uncommitted payload: small, so proposals are refused after a block was built. */
  readonly uncommittedBytesMax: number;
}

export interface SimNodeConfig {
  readonly seed: number;
  readonly network: SimNetwork;
  readonly now: () => number;
  readonly tuning: SimTuning;
  readonly onConfChange: (id: NodeId, cc: ConfChange) => void;
  /** Run on a LyingWalDisk (the checkers must then catch lost acknowledged data). */
  readonly lyingDisk?: boolean;
}

export class SimNode {
  chain: RaftChain | undefined;
  store: RaftLogStore | undefined;
  disk: MemoryWalDisk;
  /** Times started (the seed of each life's randomness). */
  lives = 0;
  /** This life's disk carries a planned crash (which may not have come yet). */
  crashPlanned = false;
  /** Removed from the channel (its removal committed): never restarted. */
  decommissioned = false;
  readonly transport: Transport;

  constructor(readonly id: NodeId, readonly sink: SimBlockSink, private readonly config: SimNodeConfig, private readonly bootstrap: ConfState | undefined) {
    this.disk = new MemoryWalDisk(new Map(), { seed: this.#diskSeed() });
    const net = config.network;
    this.transport = {
      send: (to, messages) => {
        for (const m of messages) net.send(id, to, { kind: 'raft', bytes: encodeMessage(m) }, config.now());
      },
      forward: (to, envelopes) => net.send(id, to, { kind: 'forward', envelopes }, config.now()),
    };
  }

  /** A lying disk loses what it never synced cleanly (no torn bytes for the WAL to notice): amnesia the checkers must catch. */
  #crashMode(): WalCrashMode {
    return this.config.lyingDisk === true ? 'lose-unsynced' : 'random';
  }

  get up(): boolean {
    return this.chain !== undefined;
  }

  #diskSeed(): number {
    return (this.config.seed * 7919 + this.id * 104_729 + this.lives * 31) >>> 0;
  }

  /**
   * Starts (or restarts) from what the disk kept. `crashAtOp` plans a crash
   * that many disk operations in (a torn write mid-save). Returns false when
   * the planned crash fell during the start itself.
   */
  async start(crashAtOp: number | undefined): Promise<boolean> {
    const image = this.disk.crashed ? this.disk.crashedImage() : this.disk;
    this.lives++;
    this.crashPlanned = crashAtOp !== undefined;
    this.disk = new MemoryWalDisk(image.files(), { seed: this.#diskSeed(), ...(crashAtOp !== undefined && { crashAtOp, crashMode: this.#crashMode() }) });
    try {
      const disk = this.config.lyingDisk === true ? new LyingWalDisk(this.disk) : this.disk;
      const t = this.config.tuning;
      this.store = await RaftLogStore.openDisk(disk, { segmentBytesMax: t.segmentBytesMax });
      this.chain = await RaftChain.open({
        id: this.id, store: this.store, transport: this.transport, builder: new SimBlockBuilder(), sink: this.sink,
        rng: createRng((this.config.seed * 1000 + this.id * 17 + this.lives) >>> 0),
        ...(this.bootstrap && { bootstrap: this.bootstrap }),
        batch: t.batch, snapshotIntervalBlocks: t.snapshotIntervalBlocks, inflightBlocksMax: t.inflightBlocksMax,
        raft: {
          electionTicks: C.ELECTION_TICKS, heartbeatTicks: C.HEARTBEAT_TICKS,
          entriesPerMessageMax: t.entriesPerMessageMax, inflightMessagesMax: t.inflightMessagesMax, uncommittedBytesMax: t.uncommittedBytesMax,
        },
        onConfChange: (cc) => this.config.onConfChange(this.id, cc),
      });
      return true;
    } catch (err) {
      if (!this.disk.crashed) throw err;
      this.chain = undefined;
      this.store = undefined;
      return false;
    }
  }

  /** Crashes now: the chain and everything in memory are gone; the disk keeps what it promised (and a seeded part of the rest). */
  crash(): void {
    this.disk.crash(this.#crashMode());
    this.chain = undefined;
    this.store = undefined;
  }

  /** Stops for good (decommissioned after its removal committed). */
  stop(): void {
    this.chain = undefined;
    this.store = undefined;
    this.decommissioned = true;
  }

  /**
   * Runs the chain's Ready loop; returns false when the disk crashed under
   * it (a planned crash), in which case the node is down.
   * @throws whatever else the chain throws: a bug
   */
  async process(): Promise<boolean> {
    const chain = this.chain;
    if (chain === undefined) return true;
    try {
      await chain.process();
      return true;
    } catch (err) {
      if (!this.disk.crashed) throw err;
      this.chain = undefined;
      this.store = undefined;
      return false;
    }
  }

  /** What the checker reads of this node's log (undefined when down). */
  logView(): LogView | undefined {
    const chain = this.chain;
    const store = this.store;
    if (chain === undefined || store === undefined) return undefined;
    const s = chain.raftStatus();
    return {
      id: this.id, term: s.term, isLeader: s.role === 'leader' && !s.removed, commit: s.commit, firstIndex: s.firstIndex, lastIndex: s.lastIndex,
      termOf: (i) => chain.termOf(i),
      // Only what the store holds with the term the core shows (an unsaved suffix may be replacing it).
      dataOf: (i) => (i >= store.firstIndex() && i <= store.lastIndex() && store.term(i) === chain.termOf(i) ? store.entries(i, i + 1)[0]?.data : undefined),
    };
  }
}
