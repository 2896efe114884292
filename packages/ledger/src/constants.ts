import { limits } from '@alliance/protocol';
/**
 * Bounds of the ledger package, named and in one place; relations asserted at load.
 */

/** Restarts of crashed signature workers before the pool gives up (a crash is a bug). */
export const WORKER_RESTARTS_MAX = 8;
/** Fewer jobs than this per worker are not worth splitting. */
export const SIGNATURE_JOBS_PER_CHUNK_MIN = 16;
/** Blocks between arrival and durable commit (validation of N+1 overlaps the commit of N). */
export const PIPELINE_BLOCKS_MAX = 4;
/** Transactions in one block (Fabric's MaxMessageCount is far below). */
export const BLOCK_TRANSACTIONS_MAX = 100_000;
/** Keys a range query may re-read at validation (Fabric's totalQueryLimit default). */
export const RANGE_QUERY_KEYS_MAX = 100_000;
/** Page size of getStateByRange pagination when the caller gives none. */
export const STATE_PAGE_SIZE_DEFAULT = 100;
/** Largest page a caller may ask for. */
export const STATE_PAGE_SIZE_MAX = 10_000;
/** Events buffered per subscriber before the subscriber is dropped as too slow. */
export const EVENT_BUFFER_MAX = 1_000;

// --- KvStore (src/store/): bounds every store implementation enforces alike.
import { assert as kvAssert } from './core/assert.js';

/** Largest key a KvStore accepts. Ledger keys are a prefix, a namespace and a contract key; LevelDB copes with more, but long keys bloat every index block. */
export const KV_KEY_BYTES_MAX = 4 * 1024;
/**
 * Largest value: a state record (a value from one block with metadata that
 * may come from another), so any valid transaction's write fits.
 */
export const KV_VALUE_BYTES_MAX = 2 * limits.BLOCK_BYTES_MAX;
/**
 * Key and value bytes in one atomic batch: one block's commit (index, state,
 * history, savepoint; the block itself goes to the block files). Its state
 * records come from the block (and committed metadata), so this always fits.
 */
export const KV_BATCH_BYTES_MAX = 4 * limits.BLOCK_BYTES_MAX;
/** Operations in one atomic batch. */
export const KV_BATCH_OPS_MAX = 1 << 20;
/** Keys in one getMany call; callers with more split them. */
export const KV_GET_MANY_KEYS_MAX = 1 << 16;
/** Entries per chunk of `iterateChunks` when the caller names no size, and the most it may name. */
export const KV_CHUNK_ENTRIES_DEFAULT = 256;
export const KV_CHUNK_ENTRIES_MAX = 16 * 1024;
/** Key and value bytes one chunk gathers before it is handed over (at least one entry always is). */
export const KV_CHUNK_BYTES_MAX = 1024 * 1024;
/** Unsynced batches the memory store keeps revocable by a crash; older ones count as written back by the OS. */
export const KV_MEMORY_UNSYNCED_BATCHES_MAX = 1024;

kvAssert(KV_KEY_BYTES_MAX + KV_VALUE_BYTES_MAX <= KV_BATCH_BYTES_MAX, 'a batch holds at least one largest entry');
kvAssert(limits.BLOCK_BYTES_MAX + 64 * 1024 * 1024 <= KV_BATCH_BYTES_MAX, "a block's index, state and history entries fit one batch");
kvAssert(KV_CHUNK_ENTRIES_DEFAULT <= KV_CHUNK_ENTRIES_MAX, 'the default chunk is allowed');
kvAssert(KV_KEY_BYTES_MAX <= KV_CHUNK_BYTES_MAX, 'a chunk holds at least one key');

// --- Range-query Merkle summaries and MVCC validation (src/core/).
/** Children per node of a range query's Merkle summary below which Fabric refuses to build one. */
export const MERKLE_MAX_DEGREE_MIN = 2;
/** Largest maxDegree: the field is a uint32 in kvrwset.QueryReadsMerkleSummary. */
export const MERKLE_MAX_DEGREE_MAX = 0xffff_ffff;
/** maxDegree Fabric's simulator uses (hashing always on): a range read of more results than this is recorded as a summary. */
export const MERKLE_MAX_DEGREE_DEFAULT = 50;

kvAssert(MERKLE_MAX_DEGREE_MIN <= MERKLE_MAX_DEGREE_DEFAULT && MERKLE_MAX_DEGREE_DEFAULT <= MERKLE_MAX_DEGREE_MAX, 'the default maxDegree is allowed');
/** Readers waiting for a height or a transaction at once (commit status calls, event streams). */
export const COMMIT_WAITERS_MAX = 100_000;

// --- Block files (src/store/block-files.ts): blocks appended to files, indexed in the KvStore.
/** Record header: payload length (u32 BE) and crc32 of the payload (u32 BE). A format constant, here for the relations below. */
export const BLOCK_FILE_RECORD_HEADER_BYTES = 8;
/** A block file is rolled before a record would take it past this size (Fabric's blockfile manager default); a record larger than this gets a file of its own. */
export const BLOCK_FILE_BYTES_MAX = 64 * 1024 * 1024;
/** Largest record payload: one block as stored (Fabric's AbsoluteMaxBytes default is 10 MB), with room for its metadata. */
export const BLOCK_FILE_RECORD_BYTES_MAX = 128 * 1024 * 1024;
/** Read handles the file store keeps open, least recently used closed first (reads in progress finish on theirs). */
export const BLOCK_FILE_READ_HANDLES_MAX = 16;

// Positions are stored in savepoints and block records as u32 offsets: the largest file (a full one, or one record alone) must fit.
kvAssert(BLOCK_FILE_BYTES_MAX <= 0xffff_ffff, 'a block file offset fits a u32');
kvAssert(BLOCK_FILE_RECORD_HEADER_BYTES + BLOCK_FILE_RECORD_BYTES_MAX <= 0xffff_ffff, 'a file holding one largest record has u32 offsets');
kvAssert(BLOCK_FILE_READ_HANDLES_MAX >= 1, 'reads need a handle');
