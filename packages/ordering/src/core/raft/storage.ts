/**
 * The stable log as the Raft core reads it. The WAL implements `Storage`
 * over disk; `MemoryStorage` keeps it in memory for tests and simulations.
 * The core only reads: the application writes what a Ready tells it to
 * (entries, hard state, snapshot) before calling `advance`.
 */
import { assert } from './errors.js';
import { NO_NODE, type ConfState, type Entry, type HardState, type Snapshot } from './types.js';

export interface StorageInitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

/** The six reads the core makes of the stable log. */
export interface Storage {
  /** The durable hard state, and the membership as of the snapshot (the application re-applies later conf changes on restart). */
  initialState(): StorageInitialState;
  /**
   * Entries [lo, hi), stopping once their payload passes `bytesMax` (at least one is returned).
   * Precondition: firstIndex() <= lo < hi <= lastIndex() + 1; the core never asks otherwise.
   */
  entries(lo: number, hi: number, bytesMax: number): readonly Entry[];
  /**
   * The term of entry `index` for firstIndex() - 1 <= index <= lastIndex() (the first is the snapshot's).
   * The core asks only within that range; outside it an implementation may return undefined (MemoryStorage) or throw (the WAL).
   */
  term(index: number): number | undefined;
  /** The first index still held (the snapshot's index + 1). */
  firstIndex(): number;
  /** The last index held (the snapshot's index when the log is empty). */
  lastIndex(): number;
  /** The latest snapshot. */
  snapshot(): Snapshot;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };

/** A Storage in memory, with the writes the application makes after a Ready. */
export class MemoryStorage implements Storage {
  private hard: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** Entries after the snapshot: log[i] has index snap.metadata.index + 1 + i. */
  private log: Entry[] = [];
  /** The membership as the application last applied it: the default of `compact`. */
  private conf: ConfState;

  /**
   * A fresh log whose membership is `conf`: the bootstrap of a new group,
   * or, for a node joining an existing group, the membership that admits it
   * (as Fabric starts a joining orderer from the config block that adds it).
   * A joiner must NOT start empty: the starting membership is not in the
   * log, so it would count only later additions as voters and could elect
   * itself (the cluster simulation found this).
   */
  constructor(conf: ConfState = { voters: [], learners: [] }) {
    this.conf = conf;
    this.snap = { metadata: { index: 0, term: 0, conf }, data: new Uint8Array() };
  }

  /** The membership is the snapshot's: a restarted node re-applies the conf changes after it, as it re-applies every entry. */
  initialState(): StorageInitialState {
    return { hardState: this.hard, confState: this.snap.metadata.conf };
  }

  entries(lo: number, hi: number, bytesMax: number): readonly Entry[] {
    assert(lo >= this.firstIndex() && lo < hi && hi <= this.lastIndex() + 1, `entries [${lo}, ${hi}) within the log`);
    const offset = this.snap.metadata.index + 1;
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.log[i - offset]!;
      bytes += e.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number | undefined {
    const snapIndex = this.snap.metadata.index;
    if (index === snapIndex) return this.snap.metadata.term;
    if (index < snapIndex || index > this.lastIndex()) return undefined;
    return this.log[index - snapIndex - 1]!.term;
  }

  firstIndex(): number {
    return this.snap.metadata.index + 1;
  }

  lastIndex(): number {
    return this.snap.metadata.index + this.log.length;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Makes `hardState` durable (the first write of a Ready). */
  setHardState(hardState: HardState): void {
    this.hard = hardState;
  }

  /** Records the membership the application applied (after `applyConfChange`), for the next `compact`. */
  setConfState(conf: ConfState): void {
    this.conf = conf;
  }

  /**
   * Appends a Ready's entries, replacing any conflicting suffix. Entries
   * already covered by the snapshot are skipped.
   */
  append(entries: readonly Entry[]): void {
    const snapIndex = this.snap.metadata.index;
    const fresh = entries.filter((e) => e.index > snapIndex);
    const first = fresh[0];
    if (first === undefined) return;
    assert(first.index <= this.lastIndex() + 1, `append at ${first.index} leaves no gap after ${this.lastIndex()}`);
    this.log.length = first.index - snapIndex - 1;
    this.log.push(...fresh);
  }

  /** Replaces the log with a snapshot received from the leader (a Ready's snapshot). Older snapshots are ignored. */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index <= this.snap.metadata.index) return;
    this.snap = snapshot;
    this.log = [];
    this.conf = snapshot.metadata.conf;
  }

  /**
   * Takes a snapshot at `index` (an applied index) holding `data`, and drops
   * the entries it covers. `conf` is the membership as of `index`.
   */
  compact(index: number, data: Uint8Array, conf: ConfState = this.conf): void {
    const snapIndex = this.snap.metadata.index;
    assert(index > snapIndex && index <= this.lastIndex(), `compact at ${index} within (${snapIndex}, ${this.lastIndex()}]`);
    const term = this.term(index)!;
    this.log = this.log.slice(index - snapIndex);
    this.snap = { metadata: { index, term, conf }, data };
  }
}
