/**
 * One orderer's consensus loop for one channel (Fabric's etcdraft chain):
 * a RaftNode over a durable RaftLogStore, a block cutter and a block sink.
 *
 * The shell feeds it (`tick` from its timer, `step` from the network,
 * `order` from Broadcast, `receiveForwarded` from followers) and then calls
 * `process`, which handles every Ready in the order the core demands:
 * 1. save hard state, entries and snapshot to the RaftLogStore (durable);
 * 2. only then send the Ready's messages through the Transport;
 * 3. apply: an installed snapshot brings the block sink up to its block;
 *    a committed NORMAL entry with data is a block for the sink, skipped
 *    when its raft index is not above the sink's last (the raft_index
 *    guard: re-applying after a restart never duplicates a block); a
 *    CONF_CHANGE entry goes to `applyConfChange` and the new membership is
 *    saved; every `snapshotIntervalBlocks` blocks a snapshot (data: the last
 *    block) is saved, compacting the WAL;
 * 4. advance.
 *
 * Ordering: at the leader, envelopes go into the block cutter; each cut batch
 * becomes one block and one Raft entry, at most `inflightBlocksMax` proposed
 * and not yet applied (Fabric's MaxInflightBlocks); further batches wait in a
 * bounded queue. A new leader proposes nothing until it has applied its whole
 * log as of its election (Fabric's justElected), then builds on the sink's
 * last block; a leader that steps down drops its pending envelopes and
 * batches (clients resubmit, as with Fabric). A follower forwards envelopes
 * to its leader through `Transport.forward` (not Raft PROP: an entry is a
 * block, cut by the leader); with no leader known `order` throws
 * ChainError NO_LEADER (Broadcast: SERVICE_UNAVAILABLE).
 *
 * Membership follows the configuration: with the `consenters` option, a
 * leader that has applied its whole log compares the consenters of the
 * config block in force with the Raft membership on every tick and takes
 * one step (membership-plan.ts): propose the ConfChange adding or removing
 * one consenter (its OrderingNode as context), or, when the consenter to
 * remove is itself, hand leadership to another voter first. A node that
 * applies its own removal halts (CHAIN_HALTED) once that entry is applied.
 *
 * Time enters only as `tick` (BatchTimeout counts `tickMs` per tick). No
 * timer, socket or file here: the store, transport, builder and sink are
 * handed in.
 *
 * This file passes the house's 400 lines: it is one loop whose steps
 * (persist, apply, snapshot, propose, follow the consenters) share the
 * applied index, the in-flight list and the leader state; what stands alone
 * lives beside it (types.ts, errors.ts, constants.ts, membership-plan.ts).
 */
import { type Rng } from '@alliance/ledger';
import { BlockCutter, DEFAULT_BATCH_CONFIG, type BatchConfig } from '../core/cutter/block-cutter.js';
import { BatchError } from '../core/cutter/batch-error.js';
import { decodeConfChange } from '../core/raft/codec.js';
import type { RaftConfig } from '../core/raft/config.js';
import { RaftError } from '../core/raft/errors.js';
import { RaftNode } from '../core/raft/raft.js';
import type { RaftStatus, Ready } from '../core/raft/ready.js';
import {
  EntryType, NO_NODE, Role, type ConfChange, type ConfState, type Entry, type Message, type NodeId, type Snapshot,
} from '../core/raft/types.js';
import type { RaftLogStore } from '../wal/raft-log-store.js';
import { chainAssert } from './assert.js';
import * as C from './constants.js';
import { ChainError } from './errors.js';
import { nextMembershipStep, type ConsenterSet } from './membership-plan.js';
import type { BlockBuilder, BlockSink, Transport } from './types.js';

export interface RaftChainOptions {
  readonly id: NodeId;
  /** The durable Raft log (opened and recovered by the caller). */
  readonly store: RaftLogStore;
  readonly transport: Transport;
  readonly builder: BlockBuilder;
  readonly sink: BlockSink;
  /** Draws the Raft core's election timeouts. */
  readonly rng: Rng;
  /**
   * The consenters, saved when the store is empty: a new channel's, or for a joining orderer the
   * membership that admits it (Fabric: the config block adding it). Not an empty membership: the
   * initial consenters are in no log entry, so a joiner replaying the log from index 1 would count
   * only the later additions as voters and could elect itself (the simulation found this:
   * election safety broken in its seed 10 with an empty bootstrap).
   */
  readonly bootstrap?: ConfState;
  readonly batch?: BatchConfig;
  readonly tickMs?: number;
  readonly inflightBlocksMax?: number;
  readonly snapshotIntervalBlocks?: number;
  /** Raft timing and flow control (ElectionTick, HeartbeatTick...). */
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'applied'>>;
  /**
   * Whether an envelope is a config envelope (its header type is CONFIG): the leader cuts the pending
   * batch and orders it alone in a block (Fabric classifies at the leader, so forwarding needs no flag).
   */
  readonly isConfigEnvelope?: (envelope: Uint8Array) => boolean;
  /**
   * The consenters of the configuration in force (the last config block the sink holds) as Raft
   * node ids with their ConfChange contexts; undefined or empty: membership is not managed from the
   * configuration (changes come through `proposeConfChange` only). A leader brings the Raft
   * membership to it one change at a time (membership-plan.ts), checking on every tick.
   */
  readonly consenters?: () => ConsenterSet | undefined;
  /**
   * Re-checks a config envelope at the leader just before it is proposed, against the configuration
   * in force (Fabric re-validates a config message whose sequence advanced since Broadcast checked
   * it: two updates of one sequence both pass Broadcast, only the first can apply). With it, the
   * leader proposes a config block only once every block before it applied, and nothing behind it
   * until it applies (Fabric's configInflight). False: the envelope is dropped (its client's wait
   * ends with ORDER_TIMEOUT and it resubmits against the new configuration).
   */
  readonly checkConfigEnvelope?: (envelope: Uint8Array) => boolean;
  /** Called after each committed conf change is applied and saved (observers, the sim). */
  readonly onConfChange?: (cc: ConfChange, conf: ConfState) => void;
}

/** What the chain did, for observers and tests. */
export interface ChainStats {
  blocksProposed: number;
  /** Blocks built and then refused by Raft (UNCOMMITTED_BYTES_EXCEEDED...): rebuilt once what is in flight applies. */
  proposalsRefused: number;
  blocksWritten: number;
  /** Committed blocks skipped by the raft_index guard. */
  blocksSkipped: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  envelopesForwarded: number;
  /** Envelopes and batches a leader dropped when it stepped down, and forwarded envelopes that reached a non-leader. */
  envelopesDropped: number;
  /** Conf changes this node proposed as leader to follow the consenters in force. */
  confChangesProposed: number;
  /** Leader transfers this node started before its own removal. */
  membershipTransfers: number;
}

export interface ChainStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly leader: NodeId;
  readonly term: number;
  readonly applied: number;
  readonly height: number;
  readonly inflightBlocks: number;
  readonly queuedBatches: number;
  readonly pendingEnvelopes: number;
  readonly halted: boolean;
  readonly conf: ConfState;
}

export class RaftChain {
  readonly id: NodeId;
  readonly stats: ChainStats = {
    blocksProposed: 0, proposalsRefused: 0, blocksWritten: 0, blocksSkipped: 0, snapshotsTaken: 0, snapshotsInstalled: 0, envelopesForwarded: 0, envelopesDropped: 0,
    confChangesProposed: 0, membershipTransfers: 0,
  };
  readonly #o: RaftChainOptions;
  readonly #raft: RaftNode;
  readonly #store: RaftLogStore;
  readonly #cutter: BlockCutter;
  readonly #tickMs: number;
  readonly #inflightMax: number;
  readonly #snapshotInterval: number;
  #isLeader = false;
  /** Proposals wait until this index is applied (a new leader's log as of its election, or a proposal that failed after building). */
  #resumeAt: number | undefined;
  /** Raft indexes of blocks proposed by this leader and not yet applied. */
  #inflight: number[] = [];
  #queue: Uint8Array[][] = [];
  /** The raft index of the last conf change this node proposed to follow the consenters: none other until it applies. */
  #confProposedAt = 0;
  /** Batches the cutter cut for a config envelope (alone), while they wait in the queue. */
  readonly #configBatches = new WeakSet<Uint8Array[]>();
  /** With `checkConfigEnvelope`: the raft index of the config block this leader proposed last; nothing is proposed behind it until it applies. */
  #configProposedAt = 0;
  #applied: number;
  #blocksSinceSnapshot = 0;
  #halted = false;
  #failed: unknown;
  #running: Promise<void> | undefined;

  private constructor(o: RaftChainOptions, raft: RaftNode) {
    this.id = o.id;
    this.#o = o;
    this.#raft = raft;
    this.#store = o.store;
    this.#cutter = new BlockCutter(o.batch ?? DEFAULT_BATCH_CONFIG);
    this.#tickMs = o.tickMs ?? C.TICK_MS_DEFAULT;
    this.#inflightMax = o.inflightBlocksMax ?? C.INFLIGHT_BLOCKS_DEFAULT;
    this.#snapshotInterval = o.snapshotIntervalBlocks ?? C.SNAPSHOT_INTERVAL_BLOCKS_DEFAULT;
    this.#applied = raft.status().applied;
    chainAssert(this.#tickMs > 0, 'a tick lasts some time');
    chainAssert(this.#inflightMax >= 1 && this.#inflightMax <= C.INFLIGHT_BLOCKS_MAX, 'inflightBlocksMax within its ceiling');
    chainAssert(Number.isSafeInteger(this.#snapshotInterval) && this.#snapshotInterval >= 1, 'a snapshot interval of at least one block');
  }

  /**
   * Starts the chain on a recovered store: bootstraps an empty one, brings a
   * sink that is behind the stored snapshot up to it (a crash between
   * saving a received snapshot and catching up), and restarts Raft with the
   * sink's last raft index as its applied index.
   * @throws RaftLogError from the store; whatever the sink's catch-up throws
   */
  static async open(o: RaftChainOptions): Promise<RaftChain> {
    const store = o.store;
    const initial = store.initialState();
    const fresh = store.lastIndex() === 0 && initial.hardState.term === 0 && initial.confState.voters.length === 0 && initial.confState.learners.length === 0;
    if (fresh && o.bootstrap !== undefined) await store.save({ confState: o.bootstrap });
    const snap = store.snapshot();
    if (snap.metadata.index > o.sink.lastRaftIndex() && snap.data.length > 0) await o.sink.catchUp(snap.data, snap.metadata.index);
    const raft = new RaftNode({ ...o.raft, id: o.id, storage: store, rng: o.rng, applied: o.sink.lastRaftIndex() });
    return new RaftChain(o, raft);
  }

  // --- Inputs ------------------------------------------------------------------

  /** One tick of logical time (Fabric: TickInterval): Raft's timers and the BatchTimeout. */
  tick(): void {
    if (this.#halted) return;
    this.#raft.tick();
    this.#syncRole();
    if (!this.#isLeader) return;
    const batch = this.#cutter.tick(this.#tickMs);
    if (batch !== undefined) this.#queue.push(batch);
    this.#proposeQueued();
    this.#reconcileMembership();
  }

  /** A Raft message from another orderer. */
  step(m: Message): void {
    if (this.#halted) return;
    this.#raft.step(m);
  }

  /**
   * Orders an envelope (already checked by Broadcast's filters): into the
   * leader's block cutter, or forwarded to the leader. `isConfig` (default:
   * the `isConfigEnvelope` option) orders it alone in a block at a leader; a
   * forwarded envelope is classified again by the leader's option.
   * @throws ChainError NO_LEADER, BACKLOG_FULL, CHAIN_HALTED (SERVICE_UNAVAILABLE);
   *   BatchError ENVELOPE_TOO_LARGE, ENVELOPE_EMPTY (BAD_REQUEST)
   */
  order(envelope: Uint8Array, isConfig?: boolean): void {
    if (this.#halted) throw new ChainError('CHAIN_HALTED', `orderer ${this.id} orders nothing more`, { node: this.id });
    this.#checkEnvelope(envelope);
    this.#syncRole();
    if (this.#isLeader) {
      this.#orderAtLeader(envelope, isConfig);
      return;
    }
    const leader = this.#raft.status().leader;
    if (leader === NO_NODE || leader === this.id) throw new ChainError('NO_LEADER', `orderer ${this.id} knows no leader`, { node: this.id });
    this.#o.transport.forward(leader, [envelope]);
    this.stats.envelopesForwarded++;
  }

  /** Envelopes a follower forwarded: ordered when this node leads, dropped otherwise (their clients resubmit). */
  receiveForwarded(_from: NodeId, envelopes: readonly Uint8Array[]): void {
    if (this.#halted) return;
    this.#syncRole();
    for (const env of envelopes) {
      if (!this.#isLeader) {
        this.stats.envelopesDropped++;
        continue;
      }
      try {
        this.#checkEnvelope(env);
        this.#orderAtLeader(env);
      } catch (err) {
        if (!(err instanceof ChainError || err instanceof BatchError)) throw err;
        this.stats.envelopesDropped++; // a follower checked it; a busy leader drops it and the client retries
      }
    }
  }

  /**
   * Proposes a membership change (one orderer added or removed; leader only).
   * @throws RaftError NOT_LEADER, CONF_CHANGE_PENDING, CONF_CHANGE_INVALID, CONF_CHANGE_REMOVES_LEADER, QUORUM_WOULD_BE_LOST, LEADER_TRANSFER_IN_PROGRESS;
   *   ChainError CHAIN_HALTED
   */
  proposeConfChange(cc: ConfChange): void {
    if (this.#halted) throw new ChainError('CHAIN_HALTED', `orderer ${this.id} orders nothing more`, { node: this.id });
    this.#raft.proposeConfChange(cc);
  }

  /**
   * Hands leadership to consenter `to` (leader only).
   * @throws RaftError NOT_LEADER, TRANSFER_INVALID; ChainError CHAIN_HALTED
   */
  transferLeadership(to: NodeId): void {
    if (this.#halted) throw new ChainError('CHAIN_HALTED', `orderer ${this.id} orders nothing more`, { node: this.id });
    this.#raft.transferLeadership(to);
  }

  // --- The loop ------------------------------------------------------------------

  /**
   * Handles every Ready: persist, send, apply, advance (see the file
   * header). A call while one runs joins it (the running loop takes every
   * Ready there is before it ends, at most READIES_PER_PROCESS_MAX: the
   * shell calls again on its next input or tick).
   * @throws RaftLogError from the store, or the sink's errors: the chain is
   *   then failed (it refuses work; restart it from its store)
   */
  process(): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failedError());
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    try {
      for (let n = 0; n < C.READIES_PER_PROCESS_MAX && !this.#halted; n++) {
        const r = this.#raft.ready();
        if (r === undefined) break;
        await this.#handle(r);
        this.#syncRole();
        this.#proposeQueued();
      }
    } catch (err) {
      this.#failed = err;
      this.#halted = true;
      throw err;
    }
  }

  async #handle(r: Ready): Promise<void> {
    await this.#store.save({
      ...(r.hardState && { hardState: r.hardState }), ...(r.snapshot && { snapshot: r.snapshot }), entries: r.entries,
    });
    this.#sendAll(r.messages);
    if (r.snapshot) await this.#installSnapshot(r.snapshot);
    for (const e of r.committedEntries) await this.#apply(e);
    this.#raft.advance(r);
  }

  #sendAll(messages: readonly Message[]): void {
    const byNode = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byNode.get(m.to);
      if (list) list.push(m);
      else byNode.set(m.to, [m]);
    }
    for (const [to, list] of byNode) this.#o.transport.send(to, list);
  }

  async #installSnapshot(s: Snapshot): Promise<void> {
    const index = s.metadata.index;
    if (index <= this.#applied) return;
    if (index > this.#o.sink.lastRaftIndex()) await this.#o.sink.catchUp(s.data, index);
    this.stats.snapshotsInstalled++;
    this.#appliedTo(index);
  }

  async #apply(e: Entry): Promise<void> {
    if (e.index <= this.#applied) return;
    if (e.type === EntryType.CONF_CHANGE) {
      const cc = decodeConfChange(e.data);
      const conf = this.#raft.applyConfChange(cc);
      await this.#store.save({ confState: conf });
      this.#o.onConfChange?.(cc, conf);
      if (this.#raft.status().removed) this.#halt();
    } else if (e.data.length > 0) {
      const sink = this.#o.sink;
      if (e.index <= sink.lastRaftIndex()) {
        this.stats.blocksSkipped++; // the raft_index guard: this block is already in the sink
      } else {
        await sink.write(e.data, e.index);
        this.stats.blocksWritten++;
        if (++this.#blocksSinceSnapshot >= this.#snapshotInterval) await this.#snapshot(e);
      }
    }
    this.#appliedTo(e.index);
  }

  /** Saves a snapshot at the block just applied: its data is that block as the sink holds it. */
  async #snapshot(e: Entry): Promise<void> {
    this.#blocksSinceSnapshot = 0;
    if (e.index <= this.#store.snapshot().metadata.index) return;
    const conf = this.#raft.status().conf;
    await this.#store.save({ snapshot: { metadata: { index: e.index, term: e.term, conf }, data: this.#o.sink.lastBlock() } });
    this.stats.snapshotsTaken++;
  }

  #appliedTo(index: number): void {
    this.#applied = Math.max(this.#applied, index);
    while (this.#inflight.length > 0 && this.#inflight[0]! <= this.#applied) this.#inflight.shift();
  }

  // --- Leadership and proposals ------------------------------------------------

  /** Follows the core's role: a new leader waits for its log to apply; a deposed one drops what it held. */
  #syncRole(): void {
    if (this.#halted) return;
    const s = this.#raft.status();
    const leading = s.role === Role.LEADER && !s.removed;
    if (leading === this.#isLeader) return;
    this.#isLeader = leading;
    if (leading) {
      this.#resumeAt = s.lastIndex;
      return;
    }
    this.#dropLeaderState();
  }

  #dropLeaderState(): void {
    this.stats.envelopesDropped += this.#cutter.cut().length;
    for (const b of this.#queue) this.stats.envelopesDropped += b.length;
    this.#queue = [];
    this.#inflight = [];
    this.#resumeAt = undefined;
    this.#confProposedAt = 0; // a later term's leader relies on the core's pending check
    this.#configProposedAt = 0;
  }

  #orderAtLeader(envelope: Uint8Array, isConfig = this.#o.isConfigEnvelope?.(envelope) === true): void {
    if (this.#queue.length >= C.QUEUED_BATCHES_MAX) {
      throw new ChainError('BACKLOG_FULL', `${this.#queue.length} blocks wait to be proposed`, { queued: this.#queue.length, max: C.QUEUED_BATCHES_MAX });
    }
    const { batches } = isConfig ? this.#cutter.orderedConfig(envelope) : this.#cutter.ordered(envelope);
    if (isConfig) this.#configBatches.add(batches.at(-1)!);
    for (const b of batches) this.#queue.push(b);
    this.#proposeQueued();
  }

  /** Builds and proposes queued batches while in-flight slots are free. */
  #proposeQueued(): void {
    if (!this.#isLeader || this.#halted || this.#queue.length === 0) return;
    const builder = this.#o.builder;
    if (this.#resumeAt !== undefined) {
      if (this.#applied < this.#resumeAt) return;
      builder.reset(this.#o.sink.lastBlock());
      this.#resumeAt = undefined;
    }
    while (this.#queue.length > 0 && this.#inflight.length < this.#inflightMax) {
      const s = this.#raft.status();
      // Never propose as a follower: the core would forward the block to the new leader, chained on the wrong tip.
      if (s.role !== Role.LEADER) return;
      if (s.leadTransferee !== NO_NODE) return; // proposals are refused while leadership moves
      const batch = this.#queue[0]!;
      const isConfig = this.#configBatches.has(batch);
      if (this.#o.checkConfigEnvelope !== undefined) {
        if (this.#applied < this.#configProposedAt) return; // a config block in flight: nothing behind it until it applies
        if (isConfig && this.#inflight.length > 0) return; // checked against the configuration once every block before it applied
        if (isConfig && !this.#o.checkConfigEnvelope(batch[0]!)) {
          this.#queue.shift();
          this.stats.envelopesDropped++;
          continue;
        }
      }
      const raftIndex = s.lastIndex + 1;
      const block = builder.build(batch, raftIndex);
      try {
        this.#raft.propose(block);
      } catch (err) {
        if (!(err instanceof RaftError)) throw err;
        // Refused after building (e.g. UNCOMMITTED_BYTES_EXCEEDED): rebuild from the sink once what is in flight applies.
        this.#resumeAt = this.#inflight.at(-1) ?? this.#applied;
        this.stats.proposalsRefused++;
        return;
      }
      chainAssert(this.#raft.termOf(raftIndex) === s.term, `the block went in at raft index ${raftIndex}`);
      this.#queue.shift();
      this.#inflight.push(raftIndex);
      if (isConfig && this.#o.checkConfigEnvelope !== undefined) this.#configProposedAt = raftIndex;
      this.stats.blocksProposed++;
    }
  }

  /**
   * At a leader that has applied its whole log: the next step toward the consenters in force
   * (propose one ConfChange, or hand leadership on before its own removal). Refusals (a change
   * pending, quorum not reachable now) are retried on the next tick.
   */
  #reconcileMembership(): void {
    if (!this.#isLeader || this.#halted || this.#o.consenters === undefined) return;
    if (this.#resumeAt !== undefined && this.#applied < this.#resumeAt) return;
    if (this.#applied < this.#confProposedAt) return;
    const set = this.#o.consenters();
    if (set === undefined || set.current.size === 0) return;
    const s = this.#raft.status();
    if (s.leadTransferee !== NO_NODE) return;
    const step = nextMembershipStep(s.conf, set, this.id, (id) => s.progress.get(id)?.match ?? 0);
    if (step === undefined) return;
    try {
      if (step.kind === 'transfer') {
        this.#raft.transferLeadership(step.to);
        this.stats.membershipTransfers++;
      } else {
        this.#raft.proposeConfChange(step.cc);
        this.#confProposedAt = this.#raft.status().lastIndex;
        this.stats.confChangesProposed++;
      }
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  #checkEnvelope(envelope: Uint8Array): void {
    if (envelope.length === 0) throw new BatchError('ENVELOPE_EMPTY', 'an empty envelope cannot be ordered', {});
    const max = this.#cutter.config.absoluteBytesMax;
    if (envelope.length > max) throw new BatchError('ENVELOPE_TOO_LARGE', `an envelope of ${envelope.length} bytes, AbsoluteMaxBytes is ${max}`, { bytes: envelope.length, max });
  }

  #halt(): void {
    this.#halted = true;
    this.#isLeader = false;
    this.#dropLeaderState();
  }

  #failedError(): ChainError {
    const why = this.#failed instanceof Error ? this.#failed.message : String(this.#failed);
    return new ChainError('CHAIN_HALTED', `orderer ${this.id} failed (${why}): restart it from its store`, { node: this.id }, { cause: this.#failed });
  }

  // --- Observation -------------------------------------------------------------

  status(): ChainStatus {
    const s = this.#raft.status();
    return {
      id: this.id, role: s.role, leader: s.leader, term: s.term, applied: this.#applied, height: this.#o.sink.height(),
      inflightBlocks: this.#inflight.length, queuedBatches: this.#queue.length, pendingEnvelopes: this.#cutter.pendingCount,
      halted: this.#halted, conf: s.conf,
    };
  }

  /** The Raft core's status (checkers read terms, commits and logs through it). */
  raftStatus(): RaftStatus {
    return this.#raft.status();
  }

  /** The term of entry `index` in this node's log, undefined when compacted or absent. */
  termOf(index: number): number | undefined {
    return this.#raft.termOf(index);
  }

  get halted(): boolean {
    return this.#halted;
  }
}
