/**
 * Bounds of the durable Raft log (src/wal/), named and in one place;
 * relations asserted at load.
 */
import { limits } from '@alliance/protocol';
import { walAssert } from './assert.js';

/** Record header: payload length (u32 BE), crc32 (u32 BE), record type (u8). A format constant. */
export const WAL_RECORD_HEADER_BYTES = 9;
/**
 * Largest record payload: one save (one Ready: hard state, entries and a
 * snapshot marker). A Ready holds a few blocks (Fabric's MaxInflightBlocks
 * is 5, a block at most BLOCK_BYTES_MAX); a caller with more splits its save.
 */
export const WAL_RECORD_BYTES_MAX = 256 * 1024 * 1024;
/** A segment is rolled before a record would take it past this size (etcd's default); a larger record goes alone into a new segment. */
export const WAL_SEGMENT_BYTES_MAX = 64 * 1024 * 1024;
/** Largest snapshot file payload: the metadata and the state machine's data (for the orderer, one block). */
export const WAL_SNAPSHOT_BYTES_MAX = 2 * limits.BLOCK_BYTES_MAX;
/** Entries in one save. */
export const WAL_SAVE_ENTRIES_MAX = 1 << 20;
/** Voters and learners in a snapshot's membership. */
export const WAL_CONF_NODES_MAX = 1024;
/** Segment files a directory may hold at open (compaction keeps far fewer). */
export const WAL_SEGMENTS_MAX = 1 << 16;

walAssert(WAL_RECORD_BYTES_MAX + WAL_RECORD_HEADER_BYTES <= 0xffff_ffff, 'a segment holding one largest record has u32 offsets');
walAssert(WAL_SEGMENT_BYTES_MAX <= WAL_RECORD_BYTES_MAX, 'a full segment is no larger than a record alone');
walAssert(limits.BLOCK_BYTES_MAX * 2 <= WAL_RECORD_BYTES_MAX, 'a save holds at least two largest blocks');
walAssert(WAL_SNAPSHOT_BYTES_MAX <= 0xffff_ffff, 'a snapshot payload length fits a u32');
