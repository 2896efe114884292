/**
 * Blocks are stored in append-only files, indexed by the KvStore. Two
 * implementations pass one compliance suite (test/block-files-compliance.test.ts):
 * `FsBlockFileStore` on real files and `MemoryBlockFileStore`, which
 * simulates a disk with seeded faults and crashes.
 *
 * Files are `blockfile_000000`, `blockfile_000001`, … in one directory,
 * numbered without a gap. Each holds records, back to back:
 *
 *   [payload length u32 BE][crc32 of the payload u32 BE][payload]
 *
 * A record never spans files. A file is rolled when the next record would
 * take it past its bound (BLOCK_FILE_BYTES_MAX); a record larger than the
 * bound goes alone into a new file. Payloads are never empty, so a tail of
 * zeros (a file whose size grew before its pages reached the disk) can never
 * read as a valid record.
 *
 * Commit order (the ledger's rule): append the block (durable when the
 * promise resolves), then write one synced KvStore batch with its index,
 * state, history and a savepoint holding `next`. Recovery on open:
 *
 * ```ts
 * for await (const item of files.scan(savepoint)) {
 *   if ('torn' in item) { await files.truncate(item.torn); break; }
 *   await reapply(item.payload, item.span, item.next); // durable but not yet indexed
 * }
 * ```
 *
 * Why files beside the index rather than blocks as LevelDB values: chosen
 * by measurement (bench/ledger/block-store*.ts, bench/results/). A block is
 * written once, sequentially, and never rewritten by compaction; one
 * transaction is read back with one pread of just its bytes.
 *
 * How open finds the end: it reads nothing; the end is the last file's
 * size, torn tail included. The scan from the savepoint checks that tail,
 * and the store refuses to append until a scan has reached the end or a
 * truncate has cut it (asserted), so no record lands after garbage.
 *
 * This module is the block files' surface for the rest of the package.
 */
export {
  BLOCK_FILE_START, blockFileName, blockFileNumber,
  type BlockFileAppended, type BlockFilePosition, type BlockFileRecord, type BlockFileScanItem, type BlockFileSpan,
  type BlockFileStore, type BlockFileTorn, type BlockFileTornReason,
} from './block-file-store.js';
export { FsBlockFileStore, type FsBlockFileStoreOptions } from './fs-block-file-store.js';
export {
  MemoryBlockFileDisk, MemoryBlockFileStore,
  type BlockFileCrash, type BlockFileFaults, type MemoryBlockFileStoreOptions, type TornAppend,
} from './memory-block-file-store.js';
