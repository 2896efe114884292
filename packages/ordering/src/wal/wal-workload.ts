/**
 * A seeded workload of saves for the durable log's crash tests (the
 * simulated disk's and the real-process one, whose child runs it from
 * dist/): appends in the current term, conflicting suffixes from a new
 * term, commits, local snapshots that keep the log and leader snapshots
 * that discard it. Each save depends only on the seed's draws and on what
 * the log reads, so a test replays a child's saves on a model from the
 * state the child started from.
 */
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { EntryType, type Entry, type HardState } from '../core/raft/types.js';
import { RaftLogView, type RaftLogReader } from './raft-log-view.js';
import { applySave, planSave, type RaftLogSave } from './save-plan.js';

/** A log that also tells its hard state (RaftLogStore and RaftLogView both do). */
export interface WorkloadLog extends RaftLogReader {
  hardState(): HardState;
}

/** Entry data larger than this are rare, to roll small segments now and then. */
const ENTRY_BYTES_COMMON_MAX = 200;

/** The next save of the workload for the log as it stands. */
export function nextSave(rng: Rng, log: WorkloadLog): RaftLogSave {
  const hs = log.hardState();
  const term = Math.max(1, hs.term);
  const last = log.lastIndex();
  const snapIndex = log.snapshot().metadata.index;
  const roll = rngIntBelow(rng, 100);
  if (roll < 55) {
    return { hardState: { ...hs, term }, entries: entriesFrom(rng, last + 1, 1 + rngIntBelow(rng, 4), term) };
  }
  if (roll < 70) {
    // A new leader overwrites the uncommitted suffix.
    const from = hs.commit + 1 + rngIntBelow(rng, last - hs.commit + 1);
    return { hardState: { term: term + 1, vote: 1 + rngIntBelow(rng, 3), commit: hs.commit }, entries: entriesFrom(rng, from, 1 + rngIntBelow(rng, 3), term + 1) };
  }
  if (roll < 82) {
    // A commit, sometimes with the membership a committed conf change left.
    const commit = { hardState: { ...hs, commit: hs.commit + rngIntBelow(rng, last - hs.commit + 1) } };
    if (rngIntBelow(rng, 3) > 0) return commit;
    const voters = [1, 2, 3, 4, 5].slice(0, 1 + rngIntBelow(rng, 5));
    return { ...commit, confState: { voters, learners: rngIntBelow(rng, 2) ? [9] : [] } };
  }
  if (roll < 94 && hs.commit > snapIndex) {
    // A local snapshot of committed state: the log after it is kept.
    const index = snapIndex + 1 + rngIntBelow(rng, hs.commit - snapIndex);
    return { snapshot: { metadata: { index, term: log.term(index), conf: { voters: [1, 2, 3], learners: rngIntBelow(rng, 2) ? [4] : [] } }, data: bytes(rng, rngIntBelow(rng, 300)) } };
  }
  // A leader's snapshot past the log: the log is discarded; entries may follow in the same Ready.
  const index = last + 1 + rngIntBelow(rng, 4);
  const newTerm = term + 1;
  const follow = rngIntBelow(rng, 3);
  return {
    hardState: { term: newTerm, vote: 0, commit: index },
    snapshot: { metadata: { index, term: newTerm, conf: { voters: [1, 2, 3], learners: [] } }, data: bytes(rng, 1 + rngIntBelow(rng, 100)) },
    entries: entriesFrom(rng, index + 1, follow, newTerm),
  };
}

function entriesFrom(rng: Rng, from: number, count: number, term: number): Entry[] {
  return Array.from({ length: count }, (_, k) => ({
    term,
    index: from + k,
    type: rngIntBelow(rng, 10) === 0 ? EntryType.CONF_CHANGE : EntryType.NORMAL,
    data: bytes(rng, rngIntBelow(rng, 20) === 0 ? 2_000 + rngIntBelow(rng, 3_000) : rngIntBelow(rng, ENTRY_BYTES_COMMON_MAX)),
  }));
}

function bytes(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rngIntBelow(rng, 256));
}

/** A model of `log`: a view holding the same snapshot, entries and hard state. */
export function modelOf(log: WorkloadLog): WorkloadModel {
  const view = new RaftLogView();
  view.applySnapshot(log.snapshot(), true);
  view.append(log.entries(log.firstIndex(), log.lastIndex() + 1));
  view.setHardState(log.hardState());
  view.setConfState(log.initialState().confState);
  return new WorkloadModel(view);
}

/** A RaftLogView that saves as the store does, without a disk. */
export class WorkloadModel implements WorkloadLog {
  readonly view: RaftLogView;

  constructor(view: RaftLogView = new RaftLogView()) {
    this.view = view;
  }

  save(save: RaftLogSave): void {
    applySave(this.view, planSave(this.view, save));
  }

  copy(): WorkloadModel {
    return modelOf(this);
  }

  hardState(): HardState { return this.view.hardState; }
  initialState() { return this.view.initialState(); }
  entries(lo: number, hi: number, maxBytes?: number) { return this.view.entries(lo, hi, maxBytes); }
  term(index: number) { return this.view.term(index); }
  firstIndex() { return this.view.firstIndex(); }
  lastIndex() { return this.view.lastIndex(); }
  snapshot() { return this.view.snapshot(); }
}

/** A comparable picture of a log: snapshot, entries and hard state as text. */
export function logImage(log: WorkloadLog): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const s = log.snapshot();
  const lines = [
    `snapshot ${s.metadata.index}/${s.metadata.term} voters ${s.metadata.conf.voters.join(',')} learners ${s.metadata.conf.learners.join(',')} ${hex(s.data)}`,
    `hard state ${JSON.stringify(log.hardState())}`,
    `initial ${JSON.stringify(log.initialState().confState)}`,
  ];
  for (const e of log.entries(log.firstIndex(), log.lastIndex() + 1)) lines.push(`${e.index}/${e.term}/${e.type} ${hex(e.data)}`);
  return lines.join('\n');
}

/** The workload's Rng for one child life (shared, so the test draws what the child draws). */
export function workloadRng(seed: number, life: number): Rng {
  return createRng(seed * 1_000 + life);
}
