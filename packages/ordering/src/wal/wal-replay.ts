/**
 * Replaying WAL records into the log at open. The segments left after
 * compaction may start anywhere (their earlier entries were released with
 * the segments that held them), so the replay keeps a window of entries
 * whose start is learned from the records, then lays it over the newest
 * snapshot file.
 */
import { NO_NODE, type ConfState, type Entry, type HardState, type Snapshot } from '../core/raft/types.js';
import { RaftLogError } from './errors.js';
import { EMPTY_HARD_STATE, RaftLogView } from './raft-log-view.js';
import { type SaveRecord, type SnapshotMarker } from './save-codec.js';

/** Where a record was read, for errors. */
export interface RecordPlace {
  readonly segment: string;
  readonly offset: number;
}

export class WalReplay {
  #marker: SnapshotMarker = { index: 0, term: 0, discardsLog: false };
  /** Index of entries[0] when there are entries. */
  #first = 0;
  #entries: Entry[] = [];
  /** Where the next entry may go (last index + 1), once a record has told. */
  #next: number | undefined;
  #hardState: HardState = EMPTY_HARD_STATE;
  /** The membership last recorded, or undefined when the last word is a snapshot's (its file holds it). */
  #conf: ConfState | undefined;

  /**
   * Applies one SAVE record as `save` did: marker, entries, hard state.
   * @throws RaftLogError WAL_CORRUPT when it cannot follow the records before it
   */
  apply(save: SaveRecord, place: RecordPlace): void {
    const m = save.marker;
    if (m !== undefined) {
      if (m.index < this.#marker.index) throw corrupt(`snapshot marker ${m.index} after ${this.#marker.index}`, place);
      if (m.discardsLog) {
        // The log after the snapshot was empty: the next entry follows it.
        this.#entries = [];
        this.#first = m.index + 1;
        this.#next = m.index + 1;
      } else if (this.#entries.length > 0 && this.#first <= m.index) {
        // A marker that kept the log, or a segment's first record restating the snapshot (whose entries
        // may have gone with older segments): drop what it covers; when nothing is left, where the
        // next entry goes is unknown again (finish() checks the entries follow the snapshot).
        this.#entries = this.#entries.slice(m.index + 1 - this.#first);
        this.#first = m.index + 1;
        if (this.#entries.length === 0) this.#next = undefined;
      }
      if (m.index > this.#marker.index) this.#conf = undefined;
      this.#marker = m;
    }
    this.#append(save.entries, place);
    if (save.confState !== undefined) this.#conf = save.confState;
    if (save.hardState !== undefined) this.#hardState = save.hardState;
  }

  /**
   * The log: the newest snapshot file's snapshot (EMPTY_SNAPSHOT when none)
   * and the replayed entries after it. A snapshot file newer than the last
   * marker was written by a save that crashed before its WAL record: it is
   * applied as that save would have (it holds committed state only), and
   * returned as `unrecorded` for the store to write to the WAL at once.
   * @throws RaftLogError SNAPSHOT_MISSING, SNAPSHOT_CORRUPT, WAL_CORRUPT
   */
  finish(snapshot: Snapshot): { view: RaftLogView; unrecorded?: SnapshotMarker } {
    const { index, term } = snapshot.metadata;
    const m = this.#marker;
    if (index < m.index) throw new RaftLogError('SNAPSHOT_MISSING', `the log names a snapshot at ${m.index}, the newest snapshot file is at ${index}`, { marker: m.index, file: index });
    if (index === m.index && term !== m.term) throw new RaftLogError('SNAPSHOT_CORRUPT', `the snapshot file at ${index} has term ${term}, the log names term ${m.term}`, { index, term, markerTerm: m.term });
    const discards = index > m.index && this.#termAt(index) !== term;
    const kept = discards ? [] : this.#entries.filter((e) => e.index > index);
    const head = kept[0];
    if (head !== undefined && head.index !== index + 1) {
      throw new RaftLogError('WAL_CORRUPT', `entries ${index + 1}..${head.index - 1} after the snapshot are missing`, { snapshotIndex: index, firstEntry: head.index });
    }
    const view = new RaftLogView();
    view.applySnapshot(snapshot, true);
    view.append(kept);
    let hs = this.#hardState;
    // A snapshot is committed state: a node never restarts with a lower commit or term than its snapshot's.
    if (hs.term < term) hs = { term, vote: NO_NODE, commit: hs.commit };
    if (hs.commit < index) hs = { ...hs, commit: index };
    view.setHardState(hs);
    if (index === m.index && this.#conf !== undefined) view.setConfState(this.#conf);
    // The WAL must record what the file did before any entry follows it, or a later replay would lay those entries after the old log.
    return index > m.index ? { view, unrecorded: { index, term, discardsLog: discards } } : { view };
  }

  #append(entries: readonly Entry[], place: RecordPlace): void {
    for (let k = 1; k < entries.length; k++) {
      if (entries[k]!.index !== entries[k - 1]!.index + 1) throw corrupt(`entries ${entries[k - 1]!.index} then ${entries[k]!.index}`, place);
    }
    const fresh = entries.filter((e) => e.index > this.#marker.index);
    const head = fresh[0];
    if (head === undefined) return;
    if (this.#next !== undefined && head.index > this.#next) throw corrupt(`entry ${head.index} leaves a gap after ${this.#next - 1}`, place);
    if (this.#entries.length > 0 && head.index >= this.#first) {
      this.#entries.length = head.index - this.#first;
    } else {
      this.#entries = [];
      this.#first = head.index;
    }
    for (const e of fresh) this.#entries.push(e);
    this.#next = this.#first + this.#entries.length;
  }

  #termAt(index: number): number | undefined {
    if (index === this.#marker.index) return this.#marker.term;
    return this.#entries[index - this.#first]?.term;
  }
}

function corrupt(what: string, place: RecordPlace): RaftLogError {
  return new RaftLogError('WAL_CORRUPT', `${place.segment} at ${place.offset}: ${what}`, { ...place });
}
