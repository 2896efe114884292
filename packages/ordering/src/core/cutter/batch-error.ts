/**
 * Errors of the block cutter: an envelope it refuses (the Broadcast handler
 * answers BAD_REQUEST) or a batch config Fabric would refuse.
 */
import { AllianceError } from '@alliance/protocol';

export type BatchErrorCode = 'ENVELOPE_TOO_LARGE' | 'ENVELOPE_EMPTY' | 'BATCH_CONFIG_INVALID';

export class BatchError extends AllianceError<BatchErrorCode> {}
