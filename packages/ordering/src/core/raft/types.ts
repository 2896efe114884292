/**
 * The Raft core's data: node ids, log entries, the hard state that must be
 * durable before messages go out, snapshots, membership and messages. The
 * shapes follow etcd raft's (raftpb) so its literature applies; the names
 * are ours. Every number is a safe integer (terms, indexes and ids stay far
 * below 2^53).
 */

/** A Raft member's id (Fabric's etcdraft Consenter id). 0 means none. */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

export const EntryType = {
  /** Application data (one entry is one block); empty data is the leader's no-op of a new term. */
  NORMAL: 0,
  /** A membership change (ConfChange encoded in data). */
  CONF_CHANGE: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be on disk before any message of the same Ready is sent. */
export interface HardState {
  readonly term: number;
  /** Whom this node voted for in `term`, NO_NODE when nobody. */
  readonly vote: NodeId;
  readonly commit: number;
}

/** The membership: voters and non-voting learners (disjoint). */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export const ConfChangeType = {
  ADD_VOTER: 0,
  ADD_LEARNER: 1,
  /** Promote a learner to voter (ADD_VOTER on a learner). */
  PROMOTE: 2,
  REMOVE: 3,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** One membership change: one node at a time. `context` is opaque to Raft (e.g. the consenter's address and certificate). */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
  readonly context: Uint8Array;
}

export interface SnapshotMetadata {
  /** The last log index the snapshot covers, and its term. */
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** A state machine snapshot: for the orderer, the last block (the rest is pulled from other orderers). */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

/** The kinds of Raft message; the numbers are the wire tag (codec.ts). */
export const MessageType = {
  /** A proposal forwarded by a follower to its leader (term 0: not part of the protocol's term logic). */
  PROP: 1,
  /** Log entries after (index, logTerm), with the leader's commit. */
  APP: 2,
  APP_RESP: 3,
  VOTE: 4,
  VOTE_RESP: 5,
  PRE_VOTE: 6,
  PRE_VOTE_RESP: 7,
  HEARTBEAT: 8,
  HEARTBEAT_RESP: 9,
  /** InstallSnapshot: the follower's next entries were compacted away at the leader. */
  SNAP: 10,
  /** Leader transfer: campaign now, ignoring the election timeout and the leader lease. */
  TIMEOUT_NOW: 11,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** What every message carries: sender, receiver, and the sender's term (0 for PROP). */
interface MessageHeader {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

export interface PropMessage extends MessageHeader {
  readonly type: typeof MessageType.PROP;
  /** Entries without a place in the log yet: `term` and `index` are 0 and assigned by the leader. */
  readonly entries: readonly Entry[];
}

export interface AppMessage extends MessageHeader {
  readonly type: typeof MessageType.APP;
  /** The entry before `entries`, and its term: the follower accepts only if its log holds it. */
  readonly index: number;
  readonly logTerm: number;
  /** Consecutive, starting at index + 1, terms not decreasing and at most `term`. */
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppRespMessage extends MessageHeader {
  readonly type: typeof MessageType.APP_RESP;
  /** Accepted: the last index now known to match the leader. Rejected: the rejected `index` of the APP. */
  readonly index: number;
  readonly reject: boolean;
  /**
   * Fast backtracking when rejected: the largest index at most min(rejected index, follower's last index)
   * whose term is at most the APP's logTerm, and that term. Both 0 when accepted.
   */
  readonly rejectHint: number;
  readonly logTerm: number;
}

export interface VoteMessage extends MessageHeader {
  readonly type: typeof MessageType.VOTE | typeof MessageType.PRE_VOTE;
  /** The candidate's last log index and its term. */
  readonly index: number;
  readonly logTerm: number;
  /** Campaign started by a leader transfer: voters ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteRespMessage extends MessageHeader {
  readonly type: typeof MessageType.VOTE_RESP | typeof MessageType.PRE_VOTE_RESP;
  readonly reject: boolean;
}

export interface HeartbeatMessage extends MessageHeader {
  readonly type: typeof MessageType.HEARTBEAT;
  /** The leader's commit, capped at what this follower is known to hold. */
  readonly commit: number;
}

export interface HeartbeatRespMessage extends MessageHeader {
  readonly type: typeof MessageType.HEARTBEAT_RESP;
}

export interface SnapMessage extends MessageHeader {
  readonly type: typeof MessageType.SNAP;
  readonly snapshot: Snapshot;
}

export interface TimeoutNowMessage extends MessageHeader {
  readonly type: typeof MessageType.TIMEOUT_NOW;
}

/** A Raft message, discriminated by `type`. Encoded by codec.ts; the transport (#6) only moves bytes. */
export type Message =
  | PropMessage | AppMessage | AppRespMessage | VoteMessage | VoteRespMessage
  | HeartbeatMessage | HeartbeatRespMessage | SnapMessage | TimeoutNowMessage;

export const Role = {
  FOLLOWER: 'follower',
  PRE_CANDIDATE: 'pre-candidate',
  CANDIDATE: 'candidate',
  LEADER: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Volatile state the application may want to observe (who leads, what this node is); never persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}
