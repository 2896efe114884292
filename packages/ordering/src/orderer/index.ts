/**
 * The orderer's shell around consensus: building and signing blocks, the
 * block store, Broadcast and Deliver.
 */
export {
  BlockCreator, BlockWriter, EMPTY_CHAIN_TIP, chainTipAfter, isConfigBlock, raftIndexOf, type ChainTip, type RaftBlockMetadata,
} from './block-writer.js';
export { MemoryOrdererBlockStore, checkNextBlock, type NextBlock, type OrdererBlockStore } from './block-store.js';
export { FileOrdererBlockStore, type FileOrdererBlockStoreOptions } from './file-block-store.js';
export { BlockWaiters } from './block-waiters.js';
export { BroadcastHandler, type BroadcastOptions, type BroadcastResult } from './broadcast.js';
export { DeliverHandler, encodeDeliverResponse, type DeliverOptions, type DeliverResult } from './deliver.js';
export { buildConfigUpdateEnvelope, type ConfigUpdateSpec } from './config-update.js';
export { changesOrdering, compileChannel, type ChannelLookup, type CompiledChannel, type OrdererChannel } from './channel-support.js';
export { consenterChange, consenterContext, consenterProblem, consentersOf, type ConsenterChange, type Consenters } from './consenters.js';
export type { OrderingChain, OrderOptions } from './ordering-chain.js';
export { OrdererBlockStoreError, OrderingUnavailableError, type OrdererBlockStoreErrorCode, type OrderingUnavailableCode } from './errors.js';
export {
  BLOCK_STORE_REINDEX_BATCH_MAX, BROADCAST_ENVELOPE_BYTES_MAX, CONFIG_UPDATE_SIGNATURES_MAX, DELIVER_REQUEST_BYTES_MAX, DELIVER_TIME_WINDOW_MS,
  ORDERER_BLOCK_WAITERS_MAX, VERIFY_BATCH_BYTES_MAX, VERIFY_BATCH_JOBS_MAX, VERIFY_INLINE_RUN_MAX, VERIFY_KEYS_PER_WORKER_MAX, VERIFY_STEAL_JOBS_MAX,
  VERIFY_WORKER_BATCHES_MAX, VERIFY_WORKER_RESTARTS_MAX, VERIFY_WORKERS_MAX,
} from './constants.js';
