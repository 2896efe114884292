/**
 * What a save does to the log, decided before it is written and applied
 * once it is durable: shared by `RaftLogStore` and by models of it (tests,
 * simulations), so both follow one set of rules.
 */
import { type ConfState, type Entry, type HardState, type Snapshot } from '../core/raft/types.js';
import { walAssert } from './assert.js';
import { assertEntries, type RaftLogView } from './raft-log-view.js';
import { type SnapshotMarker } from './save-codec.js';

/** What one Ready asks to make durable. */
export interface RaftLogSave {
  readonly hardState?: HardState;
  /** Contiguous; the first at most lastIndex() + 1 (after the snapshot, when one comes along). */
  readonly entries?: readonly Entry[];
  /** Not older than the current snapshot. */
  readonly snapshot?: Snapshot;
  /**
   * The membership the application applied (after a committed conf change),
   * returned by initialState() from now on; a snapshot sets its own.
   */
  readonly confState?: ConfState;
}

/** A save as it will be written: the snapshot's marker (when it is newer) and the entries it does not cover. */
export interface SavePlan {
  readonly hardState?: HardState;
  readonly snapshot?: Snapshot;
  readonly marker?: SnapshotMarker;
  readonly confState?: ConfState;
  readonly entries: readonly Entry[];
  /** Nothing to write. */
  readonly empty: boolean;
}

/**
 * Plans `save` against the log in `view`. A snapshot keeps the entries after
 * it when the log holds its index with its term (Raft's log matching), else
 * discards the log; entries it covers are dropped.
 * @throws Error (assertion) on a caller's bug: entries not contiguous, a gap, an older snapshot
 */
export function planSave(view: RaftLogView, save: RaftLogSave): SavePlan {
  const entries = save.entries ?? [];
  assertEntries(entries);
  const safe = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (save.hardState) walAssert(safe(save.hardState.term) && safe(save.hardState.vote) && safe(save.hardState.commit), 'a hard state of safe integers');
  for (const conf of [save.confState, save.snapshot?.metadata.conf]) {
    if (conf) walAssert([...conf.voters, ...conf.learners].every(safe), 'members are safe integers');
  }
  if (save.snapshot) walAssert(safe(save.snapshot.metadata.index) && safe(save.snapshot.metadata.term), 'a snapshot index and term of safe integers');
  const current = view.snapshot().metadata;
  let marker: SnapshotMarker | undefined;
  if (save.snapshot !== undefined) {
    const { index, term } = save.snapshot.metadata;
    walAssert(index > current.index || (index === current.index && term === current.term), `snapshot ${index} is not older than the current one at ${current.index}`);
    if (index > current.index) marker = { index, term, discardsLog: view.snapshotDiscardsLog(index, term) };
  }
  const covered = marker?.index ?? current.index;
  const fresh = entries.filter((e) => e.index > covered);
  const lastBefore = marker?.discardsLog === true ? marker.index : view.lastIndex();
  if (fresh[0] !== undefined) walAssert(fresh[0].index <= lastBefore + 1, `entry ${fresh[0].index} would leave a gap after ${lastBefore}`);
  return {
    ...(save.hardState && { hardState: save.hardState }),
    ...(marker && save.snapshot && { snapshot: save.snapshot, marker }),
    ...(save.confState && { confState: save.confState }),
    entries: fresh,
    empty: save.hardState === undefined && fresh.length === 0 && marker === undefined && save.confState === undefined,
  };
}

/** Applies a planned save to `view`: snapshot, entries (replacing a conflicting suffix), membership, hard state. */
export function applySave(view: RaftLogView, plan: SavePlan): void {
  if (plan.snapshot !== undefined && plan.marker !== undefined) view.applySnapshot(plan.snapshot, plan.marker.discardsLog);
  view.append(plan.entries);
  if (plan.confState !== undefined) view.setConfState(plan.confState);
  if (plan.hardState !== undefined) view.setHardState(plan.hardState);
}
