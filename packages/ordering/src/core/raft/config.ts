/**
 * A Raft node's configuration: its id, its stable log, its randomness, and
 * the timing and flow-control knobs, each defaulted from constants.ts and
 * checked against its ceiling there.
 */
import { type Rng } from '@alliance/ledger';
import * as C from './constants.js';
import { assert } from './errors.js';
import type { Storage } from './storage.js';
import { NO_NODE, type NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: Storage;
  /** Draws the randomized election timeouts; seed it for reproducible runs. */
  readonly rng: Rng;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** PreVote (default on, as Fabric): a partitioned node does not inflate terms. */
  readonly preVote?: boolean;
  /** CheckQuorum (default on, as Fabric): a leader without a quorum for an election timeout steps down. */
  readonly checkQuorum?: boolean;
  /** The last index the application applied before (re)start; defaults to the snapshot's. */
  readonly applied?: number;
  readonly entriesPerMessageMax?: number;
  readonly messageEntryBytesMax?: number;
  readonly inflightMessagesMax?: number;
  readonly uncommittedBytesMax?: number;
  readonly readyCommittedBytesMax?: number;
}

/** The knobs of a RaftConfig with every default filled in. */
export interface ResolvedRaftConfig {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly entriesPerMessageMax: number;
  readonly messageEntryBytesMax: number;
  readonly inflightMessagesMax: number;
  readonly uncommittedBytesMax: number;
  readonly readyCommittedBytesMax: number;
}

/**
 * Fills in defaults and checks the bounds.
 * @throws Error (assertion) when a value breaks a bound of constants.ts: a configuration bug
 */
export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  const r: ResolvedRaftConfig = {
    electionTicks: config.electionTicks ?? C.ELECTION_TICKS_DEFAULT,
    heartbeatTicks: config.heartbeatTicks ?? C.HEARTBEAT_TICKS_DEFAULT,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    entriesPerMessageMax: config.entriesPerMessageMax ?? C.ENTRIES_PER_MESSAGE_DEFAULT,
    messageEntryBytesMax: config.messageEntryBytesMax ?? C.MESSAGE_ENTRY_BYTES_DEFAULT,
    inflightMessagesMax: config.inflightMessagesMax ?? C.INFLIGHT_MESSAGES_DEFAULT,
    uncommittedBytesMax: config.uncommittedBytesMax ?? C.UNCOMMITTED_BYTES_DEFAULT,
    readyCommittedBytesMax: config.readyCommittedBytesMax ?? C.READY_COMMITTED_BYTES_DEFAULT,
  };
  assert(config.id !== NO_NODE && Number.isSafeInteger(config.id) && config.id > 0, 'a node id is a positive integer');
  assert(r.heartbeatTicks > 0 && r.heartbeatTicks < r.electionTicks, '0 < heartbeatTicks < electionTicks');
  assert(r.entriesPerMessageMax > 0 && r.entriesPerMessageMax <= C.ENTRIES_PER_MESSAGE_MAX, 'entriesPerMessageMax within its ceiling');
  assert(r.inflightMessagesMax > 0 && r.inflightMessagesMax <= C.INFLIGHT_MESSAGES_MAX, 'inflightMessagesMax within its ceiling');
  assert(r.messageEntryBytesMax > 0 && r.uncommittedBytesMax > 0 && r.readyCommittedBytesMax > 0, 'byte bounds are positive');
  return r;
}
