/**
 * Bounds of the Raft core, named and in one place; relations asserted at
 * load. Defaults follow Fabric's etcdraft options (TickInterval 500 ms,
 * ElectionTick 10, HeartbeatTick 1, MaxInflightBlocks 5). A node may be
 * configured below a ceiling (tests use small values), never above it.
 */
import { limits } from '@alliance/protocol';

/** Ticks without a leader before a follower campaigns (randomized in [electionTick, 2 * electionTick)). */
export const ELECTION_TICKS_DEFAULT = 10;
/** Ticks between a leader's heartbeats. */
export const HEARTBEAT_TICKS_DEFAULT = 1;

/** Largest log entry: one entry is one block. */
export const ENTRY_BYTES_MAX = limits.BLOCK_BYTES_MAX;
/** Entries in one APP or PROP message (default and ceiling). */
export const ENTRIES_PER_MESSAGE_DEFAULT = 64;
export const ENTRIES_PER_MESSAGE_MAX = 4096;
/** Entry payload bytes in one APP message; one entry is always sent even when larger. */
export const MESSAGE_ENTRY_BYTES_DEFAULT = 1024 * 1024;
/** APP messages in flight to one follower in the replicate state (Fabric's MaxInflightBlocks). */
export const INFLIGHT_MESSAGES_DEFAULT = 5;
export const INFLIGHT_MESSAGES_MAX = 256;
/** Payload bytes proposed at a leader and not yet committed; beyond it proposals are refused (one is always admitted when none is pending). */
export const UNCOMMITTED_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Payload bytes of committed entries handed to the application in one Ready (one entry always fits). */
export const READY_COMMITTED_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Messages queued by the core between two Readies; beyond it the node drops outgoing messages (Raft tolerates loss). */
export const OUTBOX_MESSAGES_MAX = 16 * 1024;

/** Members (voters and learners) of one Raft group. */
export const MEMBERS_MAX = 256;
/** Largest snapshot payload: for the orderer, the last block. */
export const SNAPSHOT_BYTES_MAX = limits.BLOCK_BYTES_MAX;
/** Bytes a ConfChange's context may hold (a consenter's address and certificates). */
export const CONF_CHANGE_CONTEXT_BYTES_MAX = 64 * 1024;
/** Largest encoded message the codec accepts: one max entry or snapshot, with room for framing. */
export const MESSAGE_BYTES_MAX = Math.max(ENTRY_BYTES_MAX, SNAPSHOT_BYTES_MAX) + 1024 * 1024;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
check(HEARTBEAT_TICKS_DEFAULT < ELECTION_TICKS_DEFAULT, 'heartbeats come more often than elections');
check(ENTRIES_PER_MESSAGE_DEFAULT <= ENTRIES_PER_MESSAGE_MAX, 'the default is within the ceiling');
check(INFLIGHT_MESSAGES_DEFAULT <= INFLIGHT_MESSAGES_MAX, 'the default is within the ceiling');
check(ENTRY_BYTES_MAX < MESSAGE_BYTES_MAX, 'one entry fits in a message');
check(SNAPSHOT_BYTES_MAX < MESSAGE_BYTES_MAX, 'a snapshot fits in a message');
check(MESSAGE_BYTES_MAX <= Number.MAX_SAFE_INTEGER, 'sizes are safe integers');
