/**
 * Batch size defaults of Fabric's orderer (configtx BatchSize and
 * BatchTimeout, the same for etcdraft), and the relations any batch config
 * must keep (Fabric refuses a config that breaks them).
 */
import { assert } from './assert.js';

/** BatchSize.MaxMessageCount: a batch is cut when it holds this many envelopes. */
export const BATCH_MESSAGES_MAX_DEFAULT = 500;
/** BatchSize.AbsoluteMaxBytes: a larger envelope is refused (the caller answers BAD_REQUEST). */
export const BATCH_ABSOLUTE_BYTES_MAX_DEFAULT = 10 * 1024 * 1024;
/** BatchSize.PreferredMaxBytes: a batch is cut before an envelope would take it past this; a larger envelope goes alone. */
export const BATCH_PREFERRED_BYTES_MAX_DEFAULT = 2 * 1024 * 1024;
/** BatchTimeout: a pending batch is cut this long after its first envelope arrived. */
export const BATCH_TIMEOUT_MS_DEFAULT = 2_000;

assert(BATCH_PREFERRED_BYTES_MAX_DEFAULT <= BATCH_ABSOLUTE_BYTES_MAX_DEFAULT, 'PreferredMaxBytes is at most AbsoluteMaxBytes');
assert(BATCH_MESSAGES_MAX_DEFAULT >= 1 && BATCH_TIMEOUT_MS_DEFAULT > 0, 'a batch holds a message and times out');
