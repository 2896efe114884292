/** The block cutter: Fabric's batching rules as a pure state machine. */
export { BlockCutter, DEFAULT_BATCH_CONFIG, checkBatchConfig, type BatchConfig, type Ordered } from './block-cutter.js';
export { BatchError, type BatchErrorCode } from './batch-error.js';
export {
  BATCH_ABSOLUTE_BYTES_MAX_DEFAULT, BATCH_MESSAGES_MAX_DEFAULT, BATCH_PREFERRED_BYTES_MAX_DEFAULT, BATCH_TIMEOUT_MS_DEFAULT,
} from './constants.js';
