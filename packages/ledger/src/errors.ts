/**
 * Ledger operating errors: one class, stable codes, the facts in `details`.
 * Invalid transactions are not errors: they are committed with a
 * TxValidationCode. These are for blocks and stores.
 */
import { AllianceError } from '@alliance/protocol';

export type LedgerErrorCode =
  // a block that cannot be committed: the ledger stays at its height
  | 'BLOCK_MALFORMED'
  | 'BLOCK_NUMBER_MISMATCH'
  | 'BLOCK_PREVIOUS_HASH_MISMATCH'
  | 'BLOCK_DATA_HASH_MISMATCH'
  | 'BLOCK_SIGNATURE_INVALID'
  | 'BLOCK_TOO_LARGE'
  // stores and lifecycle
  | 'LEDGER_CLOSED'
  | 'LEDGER_CORRUPT'
  | 'STORE_WRITE_FAILED'
  | 'WORKER_FAILED'
  | 'NOT_FOUND'
  | 'QUERY_INVALID';

export class LedgerError extends AllianceError<LedgerErrorCode> {}

/** Codes of the key-value store layer (src/store/): bounds, lifecycle, I/O and injected faults. */
export type KvStoreErrorCode =
  | 'KV_KEY_EMPTY'
  | 'KV_KEY_TOO_LARGE'
  | 'KV_VALUE_TOO_LARGE'
  | 'KV_BATCH_TOO_LARGE'
  | 'KV_TOO_MANY_KEYS'
  | 'KV_STORE_CLOSED'
  | 'KV_OPEN_FAILED'
  | 'KV_IO_FAILED'
  // only MemoryKvStore raises this, when a test asked it to
  | 'KV_WRITE_FAULT';

/**
 * A KvStore operation that could not be done. A failed write changed
 * nothing (batches are atomic); the facts are in `details`.
 */
export class KvStoreError extends AllianceError<KvStoreErrorCode> {}

/** Codes of the block files (src/store/block-files.ts): bounds, positions, lifecycle, I/O and injected faults. */
export type BlockFileErrorCode =
  | 'BLOCK_FILE_RECORD_EMPTY'
  | 'BLOCK_FILE_RECORD_TOO_LARGE'
  // a position or span past what the files hold: an index that points nowhere
  | 'BLOCK_FILE_OUT_OF_RANGE'
  // the files on disk are not numbered 0..n-1
  | 'BLOCK_FILE_CORRUPT'
  | 'BLOCK_FILE_CLOSED'
  | 'BLOCK_FILE_OPEN_FAILED'
  | 'BLOCK_FILE_IO_FAILED'
  // an earlier append or truncate failed; the store refuses writes until it is reopened
  | 'BLOCK_FILE_FAILED'
  // only MemoryBlockFileStore raises this, when a test asked it to
  | 'BLOCK_FILE_WRITE_FAULT';

/**
 * A block file operation that could not be done; the facts are in
 * `details`. After a failed append or truncate the store takes no more
 * writes: reopen it, and recovery (scan, truncate) repairs the tail.
 */
export class BlockFileError extends AllianceError<BlockFileErrorCode> {}
