/**
 * Bounds of the orderer's shell (src/orderer/), named and in one place;
 * relations asserted at load.
 */
import { limits } from '@alliance/protocol';
import { ordererAssert } from './assert.js';

/** Readers (Deliver streams) waiting for a new block at once, per store. */
export const ORDERER_BLOCK_WAITERS_MAX = 10_000;
/**
 * Deliver requests whose timestamp is further than this from the orderer's
 * clock are refused (Fabric's General.Authentication.TimeWindow default, 15 min).
 */
export const DELIVER_TIME_WINDOW_MS = 15 * 60 * 1000;
/**
 * Largest envelope Broadcast decodes at all; the channel's AbsoluteMaxBytes
 * (at most this) is checked after decoding, as Fabric's size filter.
 */
export const BROADCAST_ENVELOPE_BYTES_MAX = limits.MESSAGE_BYTES_MAX;
/** Largest Deliver request (a signed SeekInfo is a few KB). */
export const DELIVER_REQUEST_BYTES_MAX = 1024 * 1024;
/** Signatures counted on one config update (more are refused before any is checked). */
export const CONFIG_UPDATE_SIGNATURES_MAX = 1024;
/** Blocks indexed in one synced write while a file store recovers its index. */
export const BLOCK_STORE_REINDEX_BATCH_MAX = 256;
/** Signature checks in one message to a verify worker (one message per worker per event-loop turn, up to this). */
export const VERIFY_BATCH_JOBS_MAX = 512;
/** Payload and signature bytes in one message to a verify worker (a batch holds at least one job, whatever its size). */
export const VERIFY_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/**
 * Signatures verified on the calling thread in one synchronous run while the
 * verify pool is idle (a trickle of envelopes, ~70 µs each: at most ~1 ms of
 * the event loop); more in the run, or any while the pool is busy, go to the
 * workers. A few envelopes are answered sooner without the thread hop.
 */
export const VERIFY_INLINE_RUN_MAX = 16;
/**
 * Batches a verify worker holds unanswered (two: it starts the next while
 * its last answer crosses back); more jobs wait on the calling thread.
 */
export const VERIFY_WORKER_BATCHES_MAX = 2;
/**
 * Signatures the calling thread verifies itself per turn of its event loop
 * while every worker is full (~1 ms): it helps only as far as it has turns
 * to spare, and the chain's work still runs every turn.
 */
export const VERIFY_STEAL_JOBS_MAX = 16;
/** Public keys one verify worker keeps (as the MSP registry's identity cache); past it, it forgets them all and is sent them again. */
export const VERIFY_KEYS_PER_WORKER_MAX = 10_000;
/** Worker replacements per verify pool after crashes (a crash is a bug or resource exhaustion). */
export const VERIFY_WORKER_RESTARTS_MAX = 8;
/** Verify workers one Broadcast may have. */
export const VERIFY_WORKERS_MAX = 64;

ordererAssert(limits.ENVELOPE_BYTES_MAX <= BROADCAST_ENVELOPE_BYTES_MAX, 'an envelope of the default AbsoluteMaxBytes decodes');
ordererAssert(DELIVER_REQUEST_BYTES_MAX <= BROADCAST_ENVELOPE_BYTES_MAX, 'a Deliver request is an envelope');
ordererAssert(ORDERER_BLOCK_WAITERS_MAX >= 1 && BLOCK_STORE_REINDEX_BATCH_MAX >= 1, 'bounds are positive');
ordererAssert(VERIFY_BATCH_JOBS_MAX >= 1 && VERIFY_BATCH_BYTES_MAX >= 1 && VERIFY_KEYS_PER_WORKER_MAX >= VERIFY_BATCH_JOBS_MAX && VERIFY_WORKERS_MAX >= 1 && VERIFY_INLINE_RUN_MAX >= 1 && VERIFY_WORKER_BATCHES_MAX >= 1 && VERIFY_STEAL_JOBS_MAX >= 1, 'verify pool bounds are positive; a batch\'s keys fit a worker');
