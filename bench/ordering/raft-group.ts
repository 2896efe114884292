/**
 * A 3-node Raft group in one process for the ordering benchmarks: each node
 * is a `RaftNode` over `MemoryStorage`, driven by the loop of the house style
 * (persist the Ready's entries and hard state, send its messages, apply its
 * committed entries, `advance`). The network is a FIFO queue with no loss,
 * no delay and no reordering; with `wire: 'codec'` every message crosses it
 * as bytes (`encodeMessage` at the sender, `decodeMessage` at the receiver),
 * as over a transport. Applying an entry only checks its index and counts
 * its bytes. No ticks: no heartbeats or elections while measuring.
 *
 * The logs are compacted as the application would after a snapshot, keeping
 * COMPACT_KEEP_ENTRIES applied entries, so a long run holds bounded memory.
 */
import { createRng } from '@alliance/ledger';
import {
  MemoryStorage, MessageType, RaftNode, Role, decodeMessage, encodeMessage, type Message, type NodeId,
} from '@alliance/ordering';

/** How messages travel: the objects themselves (zero copy), or their encoded bytes. */
export type Wire = 'objects' | 'codec';

export const GROUP_NODES = 3;
/** Applied entries every log keeps after compaction (the leader replicates from them, never from a snapshot here). */
const COMPACT_KEEP_ENTRIES = 1024;
/** Delivery rounds `settle` allows before declaring the group stuck: a bug, not a load. */
const SETTLE_ROUNDS_MAX = 10_000;
/** Readies one node may hand out in a row (the core's outbox and Ready bounds make far fewer enough). */
const READIES_PER_PROCESS_MAX = 10_000;
const EMPTY = new Uint8Array(0);

interface GroupNode {
  readonly id: NodeId;
  readonly raft: RaftNode;
  readonly storage: MemoryStorage;
  appliedIndex: number;
  appliedBytes: number;
}

/** What crossed the network since the last `resetCounts`, by message type. */
export interface WireCounts {
  messages: number;
  /** Encoded bytes (codec wire only; 0 with objects). */
  bytes: number;
  readonly byType: Map<number, number>;
  /** Entries proposed at the leader. */
  entries: number;
  entryBytes: number;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export class BenchRaftGroup {
  readonly nodes: readonly GroupNode[];
  readonly leader: GroupNode;
  counts: WireCounts = freshCounts();
  /** The index of the last entry proposed (the leader's no-op after the election). */
  private lastIndex = 0;
  private queueObjects: Message[] = [];
  private queueBytes: Uint8Array[] = [];
  private queueTo: NodeId[] = [];

  private constructor(readonly wire: Wire, seed: number) {
    const voters = Array.from({ length: GROUP_NODES }, (_, i) => i + 1);
    this.nodes = voters.map((id) => {
      const storage = new MemoryStorage({ voters, learners: [] });
      return { id, raft: new RaftNode({ id, storage, rng: createRng(seed * 1000 + id) }), storage, appliedIndex: 0, appliedBytes: 0 };
    });
    this.leader = this.nodes[0]!;
  }

  /** A fresh group whose node 1 campaigned and won (its no-op entry applied everywhere). */
  static elected(wire: Wire, seed: number): BenchRaftGroup {
    const g = new BenchRaftGroup(wire, seed);
    g.leader.raft.campaign();
    g.settle();
    // A follower acknowledged in probe state learns the no-op's commit only from the next append or
    // heartbeat: one heartbeat brings the group to the state a steady run keeps (all nodes applied).
    g.leader.raft.tick();
    g.settle();
    const s = g.leader.raft.status();
    check(s.role === Role.LEADER, 'node 1 won the election');
    g.lastIndex = s.lastIndex;
    g.checkAppliedEverywhere();
    g.resetCounts();
    return g;
  }

  resetCounts(): void {
    this.counts = freshCounts();
  }

  /** Proposes each payload as one entry at the leader (the core takes one entry per `propose`). */
  propose(payloads: readonly Uint8Array[]): void {
    for (const p of payloads) {
      this.leader.raft.propose(p);
      this.counts.entryBytes += p.length;
    }
    this.counts.entries += payloads.length;
    this.lastIndex += payloads.length;
  }

  /** One hop: every node handles its Readies, then every message sent is stepped into its receiver. */
  round(): void {
    for (const n of this.nodes) this.process(n);
    this.deliver();
  }

  /** Rounds until no message is in flight and no node has a Ready: everything proposed is applied on every node. */
  settle(): void {
    for (let rounds = 0; ; rounds++) {
      check(rounds < SETTLE_ROUNDS_MAX, 'the group settles');
      this.round();
      if (this.queueTo.length === 0 && this.nodes.every((n) => !n.raft.hasReady())) break;
    }
    this.compact();
  }

  /** The lowest applied index over the nodes: entries up to it are applied on all of them. */
  appliedEverywhere(): number {
    return Math.min(...this.nodes.map((n) => n.appliedIndex));
  }

  /** Checks that every node applied every entry proposed (cheap: after each batch). */
  checkAppliedEverywhere(): void {
    for (const n of this.nodes) check(n.appliedIndex === this.lastIndex, `node ${n.id} applied ${n.appliedIndex} of ${this.lastIndex}`);
  }

  /**
   * Checks what a run must leave behind: the same leader in the same term,
   * every entry of its log applied on every node, the same payload bytes
   * applied everywhere, no snapshot sent, and logs compacted (bounded memory).
   */
  checkConsistent(term: number): void {
    const s = this.leader.raft.status();
    check(s.role === Role.LEADER && s.term === term, `node 1 still leads term ${term}`);
    check(s.lastIndex === this.lastIndex, `the leader's log ends at ${s.lastIndex}, ${this.lastIndex} entries were proposed`);
    this.checkAppliedEverywhere();
    for (const n of this.nodes) {
      check(n.appliedBytes === this.leader.appliedBytes, `node ${n.id} applied ${n.appliedBytes} bytes, the leader ${this.leader.appliedBytes}`);
    }
    check(!this.counts.byType.has(MessageType.SNAP), 'no snapshot was sent');
    for (const n of this.nodes) {
      const held = n.storage.lastIndex() - n.storage.firstIndex() + 1;
      check(held < 2 * COMPACT_KEEP_ENTRIES, `node ${n.id} holds ${held} entries: its log was compacted`);
    }
  }

  /** The application loop of one node: persist, send, apply, advance, until no Ready is left. */
  private process(n: GroupNode): void {
    for (let r = n.raft.ready(), readies = 0; r; r = n.raft.ready(), readies++) {
      check(readies < READIES_PER_PROCESS_MAX, `node ${n.id} runs out of Readies`);
      check(r.snapshot === undefined, 'no snapshot in a run without loss');
      n.storage.append(r.entries);
      if (r.hardState) n.storage.setHardState(r.hardState);
      for (const m of r.messages) this.send(m);
      for (const e of r.committedEntries) {
        check(e.index === n.appliedIndex + 1, `node ${n.id} applies ${e.index} right after ${n.appliedIndex}`);
        n.appliedIndex = e.index;
        n.appliedBytes += e.data.length;
      }
      n.raft.advance(r);
    }
  }

  private send(m: Message): void {
    const c = this.counts;
    c.messages++;
    c.byType.set(m.type, (c.byType.get(m.type) ?? 0) + 1);
    this.queueTo.push(m.to);
    if (this.wire === 'objects') {
      this.queueObjects.push(m);
    } else {
      const bytes = encodeMessage(m);
      c.bytes += bytes.length;
      this.queueBytes.push(bytes);
    }
  }

  private deliver(): void {
    const to = this.queueTo;
    const objects = this.queueObjects;
    const bytes = this.queueBytes;
    this.queueTo = [];
    this.queueObjects = [];
    this.queueBytes = [];
    for (let i = 0; i < to.length; i++) {
      const m = this.wire === 'objects' ? objects[i]! : decodeMessage(bytes[i]!);
      this.nodes[to[i]! - 1]!.raft.step(m);
    }
  }

  /** Compacts every log to COMPACT_KEEP_ENTRIES behind what all nodes applied, once twice that has piled up. */
  compact(): void {
    const upTo = this.appliedEverywhere() - COMPACT_KEEP_ENTRIES;
    for (const n of this.nodes) {
      if (upTo - n.storage.snapshot().metadata.index >= COMPACT_KEEP_ENTRIES) n.storage.compact(upTo, EMPTY);
    }
  }
}

function freshCounts(): WireCounts {
  return { messages: 0, bytes: 0, byType: new Map(), entries: 0, entryBytes: 0 };
}
