/**
 * Operating errors of the consensus loop: a stable `code` and the facts.
 * `broadcastStatusOf` maps them (and the block cutter's refusals) to the
 * common.Status Broadcast answers.
 */
import { AllianceError } from '@alliance/protocol';
import { BatchError } from '../core/cutter/batch-error.js';

export type ChainErrorCode =
  /** No Raft leader is known (an election is under way, or quorum is lost): retry, perhaps at another orderer. */
  | 'NO_LEADER'
  /** Too many cut batches wait for an in-flight slot (as src/orderer's OrderingUnavailableError names it). */
  | 'BACKLOG_FULL'
  /** No block held an envelope within the wait bound (dropped by a deposed leader or lost on its way): resubmit. */
  | 'ORDER_TIMEOUT'
  /** The node was removed from the channel's consenters, or its durable log failed: it orders nothing more. */
  | 'CHAIN_HALTED';

export class ChainError extends AllianceError<ChainErrorCode> {}

/** common.Status values Broadcast answers with (Fabric's numbers). */
export const BroadcastStatus = {
  BAD_REQUEST: 400,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type BroadcastStatus = (typeof BroadcastStatus)[keyof typeof BroadcastStatus];

/**
 * The common.Status for an error `order` threw: SERVICE_UNAVAILABLE for a
 * ChainError (the client retries), BAD_REQUEST for an envelope the cutter
 * refuses, INTERNAL_SERVER_ERROR otherwise.
 */
export function broadcastStatusOf(err: unknown): BroadcastStatus {
  if (err instanceof ChainError) return BroadcastStatus.SERVICE_UNAVAILABLE;
  if (err instanceof BatchError && err.code !== 'BATCH_CONFIG_INVALID') return BroadcastStatus.BAD_REQUEST;
  return BroadcastStatus.INTERNAL_SERVER_ERROR;
}
