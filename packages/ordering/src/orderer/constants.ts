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

ordererAssert(limits.ENVELOPE_BYTES_MAX <= BROADCAST_ENVELOPE_BYTES_MAX, 'an envelope of the default AbsoluteMaxBytes decodes');
ordererAssert(DELIVER_REQUEST_BYTES_MAX <= BROADCAST_ENVELOPE_BYTES_MAX, 'a Deliver request is an envelope');
ordererAssert(ORDERER_BLOCK_WAITERS_MAX >= 1 && BLOCK_STORE_REINDEX_BATCH_MAX >= 1, 'bounds are positive');
