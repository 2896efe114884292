/**
 * Operating errors of the Raft core: a stable `code` and the facts. A broken
 * invariant is a bug and crashes through `assert` instead.
 */
import { AllianceError } from '@alliance/protocol';

export type RaftErrorCode =
  /** A proposal at a follower that knows no leader to forward it to. */
  | 'NO_LEADER'
  /** An operation only a leader performs (membership change, leader transfer). */
  | 'NOT_LEADER'
  /** A leader transfer is under way: proposals are dropped until it ends. */
  | 'LEADER_TRANSFER_IN_PROGRESS'
  /** The leader's uncommitted payload bytes would pass its bound. */
  | 'UNCOMMITTED_BYTES_EXCEEDED'
  /** A proposal larger than an entry may be, or with too many entries. */
  | 'PROPOSAL_TOO_LARGE'
  /** A membership change while another is proposed and not yet applied. */
  | 'CONF_CHANGE_PENDING'
  /** A membership change that does not fit the membership (adding a member, removing a stranger...). */
  | 'CONF_CHANGE_INVALID'
  /** The leader asked to remove itself: transfer leadership first. */
  | 'CONF_CHANGE_REMOVES_LEADER'
  /** A membership change after which the voters reachable now could not form a quorum. */
  | 'QUORUM_WOULD_BE_LOST'
  /** A leader transfer to itself, to a non-voter or to a stranger. */
  | 'TRANSFER_INVALID'
  /** This node was removed from the group; it takes part in nothing. */
  | 'NODE_REMOVED';

export class RaftError extends AllianceError<RaftErrorCode> {}

/**
 * Crashes when `condition` is falsy: a bug, never caught.
 * @throws Error "assertion failed: <message>"
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
