/**
 * Unit tests of the Raft core's API contracts: the Ready ordering and
 * durability rules, restarts from Storage, timeouts, roles that never
 * campaign, configuration bounds, and MemoryStorage.
 */
import { createRng } from '@alliance/ledger';
import { describe, expect, it } from 'vitest';
import {
  EntryType, MemoryStorage, MessageType, RaftError, RaftNode, type Entry, type Message, type Ready,
} from '../src/index.js';

const conf3 = { voters: [1, 2, 3], learners: [] };

function node(id: number, storage = new MemoryStorage(conf3), seed = id): RaftNode {
  return new RaftNode({ id, storage, rng: createRng(seed), electionTicks: 10, heartbeatTicks: 1 });
}

function persist(storage: MemoryStorage, r: Ready): void {
  if (r.snapshot) storage.applySnapshot(r.snapshot);
  storage.append(r.entries);
  if (r.hardState) storage.setHardState(r.hardState);
}

function entry(index: number, term: number, text = ''): Entry {
  return { index, term, type: EntryType.NORMAL, data: new TextEncoder().encode(text) };
}

describe('RaftNode', () => {
  it('puts a candidate\'s vote for itself in the same Ready as its vote requests', () => {
    const n = new RaftNode({ id: 1, storage: new MemoryStorage(conf3), rng: createRng(1), electionTicks: 10, heartbeatTicks: 1, preVote: false });
    n.campaign();
    const r = n.ready()!;
    expect(r.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(r.messages.map((m) => [m.type, m.to])).toEqual([[MessageType.VOTE, 2], [MessageType.VOTE, 3]]);
    expect(r.softState).toEqual({ leader: 0, role: 'candidate' });
  });

  it('commits at a single-node leader only once its own entry is durable', () => {
    const storage = new MemoryStorage({ voters: [1], learners: [] });
    const n = node(1, storage);
    n.campaign();
    const r1 = n.ready()!;
    expect(r1.entries.map((e) => [e.term, e.index])).toEqual([[1, 1]]);
    expect(r1.committedEntries).toEqual([]);
    expect(r1.softState?.role).toBe('leader');
    persist(storage, r1);
    n.advance(r1);
    const r2 = n.ready()!;
    expect(r2.hardState?.commit).toBe(1);
    expect(r2.committedEntries.map((e) => e.index)).toEqual([1]);
    n.advance(r2);
    expect(n.ready()).toBeUndefined();
  });

  it('asks for advance() before the next Ready', () => {
    const n = node(1);
    n.campaign();
    n.ready();
    expect(() => n.ready()).toThrow(/advance/);
  });

  it('keeps entries unstable when they were replaced between ready() and advance()', () => {
    const storage = new MemoryStorage(conf3);
    const n = node(2, storage);
    const app = (term: number, index: number, logTerm: number, entries: Entry[]): Message => ({
      type: MessageType.APP, from: 1, to: 2, term, index, logTerm, commit: 0, entries,
    });
    n.step(app(1, 0, 0, [entry(1, 1), entry(2, 1, 'a')]));
    const r = n.ready()!;
    expect(r.entries.map((e) => e.index)).toEqual([1, 2]);
    // A new leader replaces entry 2 while the first Ready is being persisted.
    n.step(app(2, 1, 1, [entry(2, 2, 'b')]));
    persist(storage, r);
    n.advance(r);
    const r2 = n.ready()!;
    expect(r2.entries.map((e) => [e.term, e.index])).toEqual([[2, 2]]);
  });

  it('restarts with its term and vote, and does not vote twice in a term', () => {
    const storage = new MemoryStorage(conf3);
    const a = node(2, storage);
    a.step({ type: MessageType.VOTE, from: 1, to: 2, term: 5, index: 0, logTerm: 0, transfer: false });
    const r = a.ready()!;
    persist(storage, r);
    a.advance(r);
    const b = node(2, storage);
    expect(b.status()).toMatchObject({ term: 5, vote: 1, role: 'follower' });
    b.step({ type: MessageType.VOTE, from: 3, to: 2, term: 5, index: 9, logTerm: 4, transfer: false });
    const out = b.ready()!.messages;
    expect(out).toEqual([{ type: MessageType.VOTE_RESP, from: 2, to: 3, term: 5, reject: true }]);
  });

  it('campaigns after a randomized timeout in [electionTicks, 2 * electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const n = node(1, new MemoryStorage(conf3), seed);
      let ticks = 0;
      while (n.status().role === 'follower') {
        n.tick();
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('never campaigns as a learner, and ignores everything once removed', () => {
    const learner = node(4, new MemoryStorage({ voters: [1, 2, 3], learners: [4] }));
    for (let i = 0; i < 100; i++) learner.tick();
    expect(learner.status().role).toBe('follower');
    expect(learner.ready()).toBeUndefined();

    const n = node(2);
    n.applyConfChange({ type: 3, node: 2, context: new Uint8Array() });
    expect(n.status().removed).toBe(true);
    n.step({ type: MessageType.HEARTBEAT, from: 1, to: 2, term: 9, commit: 0 });
    for (let i = 0; i < 100; i++) n.tick();
    expect(n.status()).toMatchObject({ term: 0, role: 'follower', removed: true });
    expect(() => n.propose(new Uint8Array())).toThrow(RaftError);
  });

  it('ignores messages addressed to another node or sent by itself', () => {
    const n = node(2);
    n.step({ type: MessageType.HEARTBEAT, from: 1, to: 3, term: 9, commit: 0 });
    n.step({ type: MessageType.HEARTBEAT, from: 2, to: 2, term: 9, commit: 0 });
    expect(n.status().term).toBe(0);
  });

  it('refuses configurations outside the bounds', () => {
    const storage = new MemoryStorage(conf3);
    expect(() => new RaftNode({ id: 1, storage, rng: createRng(1), electionTicks: 2, heartbeatTicks: 2 })).toThrow(/heartbeatTicks/);
    expect(() => new RaftNode({ id: 0, storage, rng: createRng(1) })).toThrow(/node id/);
    expect(() => new RaftNode({ id: 1, storage, rng: createRng(1), inflightMessagesMax: 100_000 })).toThrow(/inflight/);
  });

  it('refuses oversized proposals with a typed error', () => {
    const storage = new MemoryStorage({ voters: [1], learners: [] });
    const n = node(1, storage);
    n.campaign();
    const big = { length: 200 * 1024 * 1024 } as Uint8Array;
    expect(() => n.propose(big)).toThrow(expect.objectContaining({ code: 'PROPOSAL_TOO_LARGE' }));
  });
});

describe('MemoryStorage', () => {
  it('appends, replaces a conflicting suffix, and bounds entries by bytes', () => {
    const s = new MemoryStorage(conf3);
    s.append([entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 1, 'cccc')]);
    s.append([entry(3, 2, 'dddd'), entry(4, 2, 'eeee')]);
    expect([s.firstIndex(), s.lastIndex(), s.term(3), s.term(0), s.term(5)]).toEqual([1, 4, 2, 0, undefined]);
    expect(s.entries(1, 5, 8).map((e) => e.index)).toEqual([1, 2]);
    expect(s.entries(1, 5, 0).map((e) => e.index)).toEqual([1]);
    expect(() => s.append([entry(9, 2)])).toThrow(/gap/);
  });

  it('compacts into a snapshot and installs newer snapshots only', () => {
    const s = new MemoryStorage(conf3);
    s.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    s.compact(2, new Uint8Array([7]));
    expect([s.firstIndex(), s.lastIndex(), s.term(2), s.term(1), s.snapshot().metadata]).toEqual([3, 3, 1, undefined, { index: 2, term: 1, conf: conf3 }]);
    expect(() => s.entries(2, 3, 100)).toThrow(/within the log/);
    s.applySnapshot({ metadata: { index: 1, term: 1, conf: conf3 }, data: new Uint8Array() });
    expect(s.snapshot().metadata.index).toBe(2);
    s.applySnapshot({ metadata: { index: 10, term: 3, conf: { voters: [1, 2], learners: [] } }, data: new Uint8Array() });
    expect([s.firstIndex(), s.lastIndex(), s.initialState().confState.voters]).toEqual([11, 10, [1, 2]]);
  });
});
