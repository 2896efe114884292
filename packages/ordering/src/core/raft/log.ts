/**
 * The node's view of its log: the stable part (Storage, durable) followed by
 * the unstable part (appended or received, not yet handed to the application
 * to persist). Tracks the commit and applied indexes.
 */
import { assert } from './errors.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

/** Entries and a snapshot not yet durable: the next Ready hands them out. */
interface Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[];
  /** The index of entries[0] (the next index after the stable log when empty). */
  offset: number;
}

export class RaftLog {
  private readonly unstable: Unstable;
  /** The highest index known committed (durable on a quorum). */
  committed: number;
  /** The highest index the application has applied (reported through `advance`). */
  applied: number;

  constructor(readonly storage: Storage, committed: number, applied: number) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    assert(committed <= last, `commit ${committed} within the stored log (last ${last})`);
    this.unstable = { snapshot: undefined, entries: [], offset: last + 1 };
    this.committed = Math.max(committed, first - 1);
    this.applied = Math.max(Math.min(applied, this.committed), first - 1);
  }

  firstIndex(): number {
    const s = this.unstable.snapshot;
    return s ? s.metadata.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    const u = this.unstable;
    if (u.entries.length > 0) return u.offset + u.entries.length - 1;
    if (u.snapshot) return u.snapshot.metadata.index;
    return this.storage.lastIndex();
  }

  /** The term of entry `index`, or undefined when compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    const u = this.unstable;
    if (u.snapshot && index === u.snapshot.metadata.index) return u.snapshot.metadata.term;
    if (index >= u.offset) return u.entries[index - u.offset]!.term;
    return this.storage.term(index);
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a candidate with this last entry is at least as up to date as this log (Raft §5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** The last index handed to the application as durable (what the stable log holds). */
  stableLastIndex(): number {
    return this.unstable.snapshot ? 0 : this.unstable.offset - 1;
  }

  /**
   * Appends a leader's entries after (index, logTerm) when the log holds that
   * entry; returns the last index now matching the leader, 'mismatch' when
   * the log does not hold (index, logTerm), or 'rewrites-committed' (nothing done)
   * when the entries contradict committed ones.
   */
  maybeAppend(index: number, logTerm: number, commit: number, entries: readonly Entry[]): number | 'mismatch' | 'rewrites-committed' {
    if (!this.matchTerm(index, logTerm)) return 'mismatch';
    const lastNew = index + entries.length;
    const conflict = entries.findIndex((e) => !this.matchTerm(e.index, e.term));
    if (conflict >= 0) {
      // Only a faulty sender contradicts the committed log: refuse it rather than crash or comply.
      if (entries[conflict]!.index <= this.committed) return 'rewrites-committed';
      this.append(entries.slice(conflict));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries, replacing any suffix from entries[0].index on. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index > this.committed, `append at ${first.index} after the commit ${this.committed}`);
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves no gap`);
    const u = this.unstable;
    if (first.index === u.offset + u.entries.length) {
      u.entries.push(...entries);
    } else if (first.index <= u.offset) {
      u.offset = first.index;
      u.entries = [...entries];
    } else {
      u.entries = u.entries.slice(0, first.index - u.offset).concat(entries);
    }
  }

  /**
   * Entries [lo, hi) with payload bytes at most `bytesMax` (at least one).
   * Precondition: firstIndex() <= lo <= hi <= lastIndex() + 1.
   */
  slice(lo: number, hi: number, bytesMax: number): Entry[] {
    assert(lo >= this.firstIndex() && lo <= hi && hi <= this.lastIndex() + 1, `slice [${lo}, ${hi}) within the log`);
    if (lo === hi) return [];
    const u = this.unstable;
    const out: Entry[] = [];
    let bytes = 0;
    if (lo < u.offset) {
      const stored = this.storage.entries(lo, Math.min(hi, u.offset), bytesMax);
      for (const e of stored) bytes += e.data.length;
      out.push(...stored);
      if (out.length < Math.min(hi, u.offset) - lo) return out; // the byte bound cut it short
    }
    for (let i = Math.max(lo, u.offset); i < hi; i++) {
      const e = u.entries[i - u.offset]!;
      bytes += e.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `commit ${index} within the log (last ${this.lastIndex()})`);
    this.committed = index;
    return true;
  }

  /** The committed entries the application has not applied, payload bytes at most `bytesMax` (at least one). */
  nextCommittedEntries(bytesMax: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return lo > this.committed ? [] : this.slice(lo, this.committed + 1, bytesMax);
  }

  hasNextCommittedEntries(): boolean {
    return Math.max(this.applied + 1, this.firstIndex()) <= this.committed;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} within the commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.unstable.snapshot;
  }

  /** The entries up to (index, term) are durable; forgets them unless they were replaced meanwhile. */
  stableTo(index: number, term: number): void {
    const u = this.unstable;
    if (index < u.offset || index >= u.offset + u.entries.length) return;
    if (u.entries[index - u.offset]!.term !== term) return;
    u.entries = u.entries.slice(index + 1 - u.offset);
    u.offset = index + 1;
  }

  /** The unstable snapshot at `index` is durable. */
  stableSnapshotTo(index: number): void {
    if (this.unstable.snapshot?.metadata.index === index) this.unstable.snapshot = undefined;
  }

  /** Replaces the whole log with a leader's snapshot (to be persisted and applied through the next Ready). */
  restore(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    assert(index > this.committed, `snapshot ${index} beyond the commit ${this.committed}`);
    this.committed = index;
    this.unstable.snapshot = snapshot;
    this.unstable.entries = [];
    this.unstable.offset = index + 1;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /**
   * The largest index at most `index` whose term is at most `term` (fast
   * backtracking); stops at the first index whose term is unknown (compacted).
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined || t <= term) return i;
    }
    return 0;
  }
}
