/**
 * Bounds of one orderer's consensus loop for one channel, named and in one
 * place; relations asserted at load. Defaults follow Fabric's etcdraft
 * options (MaxInflightBlocks 5, TickInterval 500 ms).
 */
import { BATCH_TIMEOUT_MS_DEFAULT } from '../core/cutter/constants.js';
import { chainAssert } from './assert.js';

/** Blocks the leader has proposed and not yet applied (Fabric's MaxInflightBlocks). */
export const INFLIGHT_BLOCKS_DEFAULT = 5;
export const INFLIGHT_BLOCKS_MAX = 64;
/** Cut batches waiting for an in-flight slot; beyond it `order` answers BACKLOG_FULL (Fabric blocks Broadcast instead). */
export const QUEUED_BATCHES_MAX = 16;
/** Blocks between two snapshots (Fabric counts SnapshotIntervalSize in bytes; one block per entry makes blocks the natural unit here). */
export const SNAPSHOT_INTERVAL_BLOCKS_DEFAULT = 100;
/** Logical time of one tick (Fabric's TickInterval): what the block cutter's BatchTimeout is measured against. */
export const TICK_MS_DEFAULT = 500;
/** Envelopes Broadcast may wait on for their block at once (RaftOrderingChain), and the ticks one waits (Fabric's 500 ms tick: 60 s). */
export const ORDER_WAITERS_MAX = 64 * 1024;
export const ORDER_WAIT_TICKS_DEFAULT = 120;
/** Readies one `process` call handles before yielding (each is a WAL save): bounds one call's work. */
export const READIES_PER_PROCESS_MAX = 1024;

chainAssert(INFLIGHT_BLOCKS_DEFAULT >= 1 && INFLIGHT_BLOCKS_DEFAULT <= INFLIGHT_BLOCKS_MAX, 'the in-flight default is within its ceiling');
chainAssert(QUEUED_BATCHES_MAX >= 1, 'a cut batch can always wait');
chainAssert(TICK_MS_DEFAULT > 0 && BATCH_TIMEOUT_MS_DEFAULT >= TICK_MS_DEFAULT, 'BatchTimeout spans at least one tick');
