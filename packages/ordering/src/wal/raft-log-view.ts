/**
 * The Raft log as the core reads it (etcd's Storage: initialState, entries,
 * term, firstIndex, lastIndex, snapshot), held in memory: the latest
 * snapshot and the entries after it. `RaftLogStore` changes it only once a
 * save is durable, so the core never reads what a crash could take back.
 *
 * Like etcd's MemoryStorage, the snapshot stands in for the entries it
 * covers: term(snapshot index) is the snapshot's term, firstIndex is the
 * snapshot index + 1. Memory grows with the entries since the last snapshot;
 * the orderer bounds that by snapshotting (SnapshotIntervalSize).
 */
import { NO_NODE, type ConfState, type Entry, type HardState, type Snapshot } from '../core/raft/types.js';
import { walAssert } from './assert.js';
import { RaftLogError } from './errors.js';

/** The hard state of a node that has never saved one. */
export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };
/** The snapshot of a log that has none: index 0, term 0, no members. */
export const EMPTY_SNAPSHOT: Snapshot = { metadata: { index: 0, term: 0, conf: { voters: [], learners: [] } }, data: new Uint8Array(0) };

/** What a restarted node starts from (etcd's InitialState). */
export interface RaftInitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

/** The read side of the durable Raft log: what the core's Storage needs. */
export interface RaftLogReader {
  /** The hard state and the membership a restarted node starts from (the snapshot's, or the last one saved after it). */
  initialState(): RaftInitialState;
  /**
   * Entries [lo, hi), at most `maxBytes` of data in all but never fewer than one (etcd's rule).
   * @throws RaftLogError LOG_COMPACTED when lo < firstIndex(); LOG_UNAVAILABLE when hi > lastIndex() + 1
   */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /**
   * The term of the entry at `index`; the snapshot's term at its index.
   * @throws RaftLogError LOG_COMPACTED below the snapshot index; LOG_UNAVAILABLE past lastIndex()
   */
  term(index: number): number;
  /** The first index held as an entry: the snapshot index + 1. */
  firstIndex(): number;
  /** The last index held: the last entry's, or the snapshot's when no entry follows it. */
  lastIndex(): number;
  /** The latest snapshot (EMPTY_SNAPSHOT when none). */
  snapshot(): Snapshot;
}

/** The in-memory log behind a RaftLogStore. */
export class RaftLogView implements RaftLogReader {
  #snapshot: Snapshot = EMPTY_SNAPSHOT;
  /** entries[k].index === snapshot index + 1 + k */
  #entries: Entry[] = [];
  #hardState: HardState = EMPTY_HARD_STATE;
  /** The membership as the application last persisted it: the snapshot's, or a later one saved after a conf change. */
  #conf: ConfState = EMPTY_SNAPSHOT.metadata.conf;

  initialState(): RaftInitialState {
    return { hardState: this.#hardState, confState: this.#conf };
  }

  get confState(): ConfState {
    return this.#conf;
  }

  get hardState(): HardState {
    return this.#hardState;
  }

  entries(lo: number, hi: number, maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    walAssert(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo <= hi, `entries [${lo}, ${hi}) is a range`);
    if (lo < this.firstIndex()) throw new RaftLogError('LOG_COMPACTED', `entry ${lo} is compacted into the snapshot at ${this.#snapshot.metadata.index}`, { lo, firstIndex: this.firstIndex() });
    if (hi > this.lastIndex() + 1) throw new RaftLogError('LOG_UNAVAILABLE', `entries up to ${hi - 1} asked, the log ends at ${this.lastIndex()}`, { hi, lastIndex: this.lastIndex() });
    const base = this.firstIndex();
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.#entries[i - base]!;
      bytes += e.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number {
    const snap = this.#snapshot.metadata;
    if (index === snap.index) return snap.term;
    if (index < snap.index) throw new RaftLogError('LOG_COMPACTED', `entry ${index} is compacted into the snapshot at ${snap.index}`, { index, snapshotIndex: snap.index });
    const e = this.#entries[index - snap.index - 1];
    if (e === undefined) throw new RaftLogError('LOG_UNAVAILABLE', `entry ${index} is past the end of the log at ${this.lastIndex()}`, { index, lastIndex: this.lastIndex() });
    return e.term;
  }

  firstIndex(): number {
    return this.#snapshot.metadata.index + 1;
  }

  lastIndex(): number {
    return this.#snapshot.metadata.index + this.#entries.length;
  }

  snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The term at `index` when the log holds it (snapshot included), else undefined. */
  termIfHeld(index: number): number | undefined {
    const snap = this.#snapshot.metadata;
    if (index === snap.index) return snap.term;
    if (index < snap.index) return undefined;
    return this.#entries[index - snap.index - 1]?.term;
  }

  /**
   * Whether saving a snapshot at (index, term) discards the entries after it:
   * it keeps them when the log holds its index with its term (Raft's log
   * matching: they agree with the leader's), else discards the whole log.
   */
  snapshotDiscardsLog(index: number, term: number): boolean {
    return this.termIfHeld(index) !== term;
  }

  /** Installs `snapshot` (newer than the current one), keeping or discarding the entries after it. */
  applySnapshot(snapshot: Snapshot, discardsLog: boolean): void {
    const { index } = snapshot.metadata;
    walAssert(index >= this.#snapshot.metadata.index, 'a snapshot is never older than the current one');
    this.#entries = discardsLog ? [] : this.#entries.slice(index - this.#snapshot.metadata.index);
    this.#snapshot = snapshot;
    this.#conf = snapshot.metadata.conf;
  }

  /**
   * Appends contiguous entries, replacing any conflicting suffix (an entry at
   * index i truncates everything from i on); entries the snapshot covers are
   * skipped. The first must be at most lastIndex() + 1 (asserted: a gap is a bug).
   */
  append(entries: readonly Entry[]): void {
    const first = this.firstIndex();
    const fresh = entries.filter((e) => e.index >= first);
    const head = fresh[0];
    if (head === undefined) return;
    walAssert(head.index <= this.lastIndex() + 1, `entry ${head.index} would leave a gap after ${this.lastIndex()}`);
    this.#entries.length = head.index - first;
    for (const e of fresh) this.#entries.push(e); // not push(...fresh): a long save would overflow the stack
  }

  setHardState(hardState: HardState): void {
    this.#hardState = hardState;
  }

  setConfState(conf: ConfState): void {
    this.#conf = conf;
  }
}

/** Asserts that `entries` are contiguous, indexes from 1, terms and types sane (a caller's bug otherwise). */
export function assertEntries(entries: readonly Entry[]): void {
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    walAssert(Number.isSafeInteger(e.index) && e.index >= 1 && Number.isSafeInteger(e.term) && e.term >= 0, `entry ${k} has a safe index >= 1 and term`);
    if (k > 0) walAssert(e.index === entries[k - 1]!.index + 1, `entries are contiguous (${entries[k - 1]!.index} then ${e.index})`);
  }
}
