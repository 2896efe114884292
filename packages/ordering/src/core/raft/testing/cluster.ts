/**
 * A Raft group in memory for tests and simulations: nodes with MemoryStorage,
 * a message queue standing for the network (partitions drop at delivery),
 * and an application that applies committed entries and conf changes. Pure
 * and deterministic: every choice (which message, when to tick) is the caller's.
 */
import { createRng } from '@alliance/ledger';
import { decodeConfChange } from '../codec.js';
import { assert } from '../errors.js';
import type { RaftConfig } from '../config.js';
import { RaftNode } from '../raft.js';
import { MemoryStorage } from '../storage.js';
import { EntryType, type ConfState, type Entry, type Message, type NodeId } from '../types.js';

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng'>>;

export interface ClusterNode {
  raft: RaftNode;
  readonly storage: MemoryStorage;
  /** Entries applied by the application, by index (the state machine of the simulation). */
  readonly applied: Map<number, Entry>;
  /** What the application applied last, and the membership it persisted. */
  appliedIndex: number;
  conf: ConfState;
  /** Snapshot data installed, if any (the leader's snapshot of applied state). */
  snapshotIndex: number;
}

export class RaftCluster {
  readonly nodes = new Map<NodeId, ClusterNode>();
  /** Messages sent and not yet delivered, in send order. */
  queue: Message[] = [];
  private cut = new Set<string>();
  private readonly seed: number;
  /** Called for every entry the application applies (checkers hook here). */
  onApply: ((id: NodeId, entry: Entry) => void) | undefined;

  constructor(seed: number, readonly options: NodeOptions = {}) {
    this.seed = seed;
  }

  /** Adds node `id` with membership `conf` (a new group's bootstrap, or a joiner started from the config that admits it). */
  addNode(id: NodeId, conf: ConfState): ClusterNode {
    assert(!this.nodes.has(id), `node ${id} is new`);
    const storage = new MemoryStorage(conf);
    const node: ClusterNode = {
      raft: new RaftNode({ ...this.options, id, storage, rng: createRng(this.seed * 1000 + id) }),
      storage, applied: new Map(), appliedIndex: 0, conf, snapshotIndex: 0,
    };
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): ClusterNode {
    const n = this.nodes.get(id);
    assert(n, `node ${id} exists`);
    return n;
  }

  /** Restarts `id` from its storage: unstable state, the outbox and the application's memory are lost. */
  restart(id: NodeId): void {
    const n = this.node(id);
    n.applied.clear();
    n.appliedIndex = n.storage.snapshot().metadata.index;
    n.snapshotIndex = n.appliedIndex;
    n.conf = n.storage.initialState().confState;
    n.raft = new RaftNode({ ...this.options, id, storage: n.storage, rng: createRng(this.seed * 1000 + id + 7919 * (n.appliedIndex + 1)) });
    this.queue = this.queue.filter((m) => m.from !== id);
  }

  /**
   * Runs the application loop of `id` until no Ready is left: persist, send,
   * apply, advance. Returns the messages it sent.
   */
  process(id: NodeId): Message[] {
    const n = this.node(id);
    const sent: Message[] = [];
    for (let r = n.raft.ready(), rounds = 0; r; r = n.raft.ready(), rounds++) {
      assert(rounds < 10_000, 'a node settles');
      if (r.snapshot) n.storage.applySnapshot(r.snapshot);
      n.storage.append(r.entries);
      if (r.hardState) n.storage.setHardState(r.hardState);
      sent.push(...r.messages);
      if (r.snapshot && r.snapshot.metadata.index > n.appliedIndex) {
        n.appliedIndex = r.snapshot.metadata.index;
        n.snapshotIndex = n.appliedIndex;
        n.conf = r.snapshot.metadata.conf;
      }
      for (const e of r.committedEntries) {
        assert(e.index === n.appliedIndex + 1, `node ${id} applies ${e.index} right after ${n.appliedIndex}`);
        if (e.type === EntryType.CONF_CHANGE) {
          n.conf = n.raft.applyConfChange(decodeConfChange(e.data));
          n.storage.setConfState(n.conf);
        }
        n.applied.set(e.index, e);
        this.onApply?.(id, e);
        n.appliedIndex = e.index;
      }
      n.raft.advance(r);
    }
    this.queue.push(...sent);
    return sent;
  }

  /** Delivers the queued messages for `to` (all, or those `pick` keeps) and processes it; returns what it sent in reply. */
  deliver(to: NodeId, pick: (m: Message) => boolean = () => true): Message[] {
    const mine = this.queue.filter((m) => m.to === to && pick(m));
    this.queue = this.queue.filter((m) => !mine.includes(m));
    for (const m of mine) this.deliverOne(m);
    return this.process(to);
  }

  /** Steps one message into its receiver (dropped if the two sides are cut or the receiver is gone), without processing. */
  deliverOne(m: Message): void {
    const n = this.nodes.get(m.to);
    if (!n || this.cut.has(`${m.from}/${m.to}`)) return;
    n.raft.step(m);
  }

  /** Delivers and processes until no message is left; bounded. */
  stabilize(roundsMax = 1000): Message[] {
    const trace: Message[] = [];
    for (const id of this.nodes.keys()) trace.push(...this.process(id));
    for (let round = 0; this.queue.length > 0; round++) {
      assert(round < roundsMax, 'the cluster stabilizes');
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) this.deliverOne(m);
      for (const id of this.nodes.keys()) trace.push(...this.process(id));
    }
    return trace;
  }

  /** Cuts every link between the groups (both directions). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.cut.clear();
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}/${y}`);
      }
    }
  }

  /** Cuts `id` off from everyone. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}/${other}`);
      this.cut.add(`${other}/${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}/${to}`);
  }

  /** Ticks `id` `count` times and processes it. */
  tick(id: NodeId, count = 1): Message[] {
    const n = this.node(id);
    for (let i = 0; i < count; i++) n.raft.tick();
    return this.process(id);
  }

  /** Compacts `id`'s log up to `index` (an applied index), with the applied indexes as snapshot data. */
  compact(id: NodeId, index: number): void {
    const n = this.node(id);
    assert(index <= n.appliedIndex, `compact ${index} within the applied ${n.appliedIndex}`);
    n.storage.compact(index, new TextEncoder().encode(`applied-through-${index}`), n.conf);
  }
}
