/**
 * Operating errors of the orderer's shell (block writing, the block store,
 * Broadcast's chain): one class per area, stable codes, the facts in `details`.
 * Bad client input is never an error here: Broadcast and Deliver answer it
 * with a common.Status.
 */
import { AllianceError } from '@alliance/protocol';

export type OrdererBlockStoreErrorCode =
  // a block offered out of order, or one that does not chain to the last
  | 'BLOCK_NUMBER_MISMATCH'
  | 'BLOCK_PREVIOUS_HASH_MISMATCH'
  // a block that does not decode, or carries no orderer metadata
  | 'BLOCK_MALFORMED'
  // get() of a number at or past the height
  | 'BLOCK_NOT_FOUND'
  // the files and the index disagree in a way recovery cannot repair
  | 'STORE_CORRUPT'
  | 'STORE_CLOSED'
  // an earlier append failed after its block may have reached the files: reopen (recovery re-indexes)
  | 'STORE_FAILED'
  // more readers waiting for blocks than ORDERER_BLOCK_WAITERS_MAX
  | 'WAITERS_FULL'
  // a wait given up because its AbortSignal fired
  | 'WAIT_ABORTED';

/** A block store operation that could not be done. */
export class OrdererBlockStoreError extends AllianceError<OrdererBlockStoreErrorCode> {}

export type OrderingUnavailableCode =
  // no Raft leader is known (an election is under way, or quorum is lost)
  | 'NO_LEADER'
  // this node was removed from the consenters, or stopped
  | 'CHAIN_HALTED'
  // too many envelopes are waiting for ordering
  | 'BACKLOG_FULL';

/**
 * The chain cannot order now; Broadcast answers SERVICE_UNAVAILABLE and the
 * client may retry (with another orderer). Raised by an `OrderingChain`.
 */
export class OrderingUnavailableError extends AllianceError<OrderingUnavailableCode> {}
