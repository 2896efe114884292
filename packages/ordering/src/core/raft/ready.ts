/**
 * What the core hands the application: a Ready (with its ordering rule),
 * and the status snapshot for observers.
 */
import type { ProgressState } from './progress.js';
import type { ConfState, Entry, HardState, Message, NodeId, Role, Snapshot, SoftState } from './types.js';

/**
 * What the application must do, in this order:
 * 1. make `hardState`, `entries` (replacing any stored suffix from the first
 *    entry's index) and `snapshot` durable;
 * 2. only then send `messages` (a vote or an acknowledgement promises what is on disk);
 * 3. apply `snapshot` then `committedEntries` to the state machine (they are
 *    durable by step 1 or earlier), calling `applyConfChange` for each
 *    CONF_CHANGE entry;
 * 4. call `advance(ready)`, before asking for the next Ready.
 * `softState` is informational (leader and role changed) and is not persisted.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly learner: boolean;
  readonly inflight: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly role: Role;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly conf: ConfState;
  readonly removed: boolean;
  readonly leadTransferee: NodeId;
  /** The leader's view of each member (empty at followers). */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}
