/** One orderer's consensus loop for one channel: RaftChain and what it is handed. */
export { RaftChain, type RaftChainOptions, type ChainStats, type ChainStatus } from './raft-chain.js';
export type { Transport, BlockBuilder, BlockSink } from './types.js';
export { CommitWaiters, RaftOrderingChain, type BlockReader } from './raft-ordering-chain.js';
export { OrdererBlockBuilder, OrdererBlockSink, bootstrapFromConfigBlock, configOfBlock, type BlockPuller } from './orderer-blocks.js';
export { nextMembershipStep, type ConsenterSet, type MembershipStep } from './membership-plan.js';
export { ChainError, BroadcastStatus, broadcastStatusOf, type ChainErrorCode } from './errors.js';
export {
  INFLIGHT_BLOCKS_DEFAULT, ORDER_WAIT_TICKS_DEFAULT, ORDER_WAITERS_MAX, QUEUED_BATCHES_MAX, SNAPSHOT_INTERVAL_BLOCKS_DEFAULT, TICK_MS_DEFAULT,
} from './constants.js';
