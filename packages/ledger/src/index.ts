export type { Rng } from './core/rng.js';
export { createRng, rngIntBelow } from './core/rng.js';
export { KvStoreError, type KvStoreErrorCode } from './errors.js';
export { KvBatch, type KvBatchOp } from './store/kv-batch.js';
export type { KvEntry, KvRange, KvReader, KvSnapshot, KvStore, KvWriteOptions } from './store/kv-store.js';
export { LevelKvStore, type LevelKvStoreOptions } from './store/level-kv-store.js';
export { MemoryKvStore, type CrashKeep, type KvWriteFaults, type MemoryKvStoreOptions } from './store/memory-kv-store.js';
export { MemoryDisk } from './store/memory-view.js';
// MVCC validation, range-query Merkle summaries, key order and the commit hash (src/core/).
export { compareKeys, keyInRange } from './core/compare-keys.js';
export { RangeQueryResultsHelper, encodeQueryReads, isValidMaxDegree, type HashFunction, type RangeQueryReads, type RangeQueryResultsHelperOptions } from './core/merkle.js';
export { BlockUpdates, isDeleteWrite, type StateUpdate } from './core/block-updates.js';
export { rangeResults, rangeQueryStillValid, type RangeContext } from './core/range-query.js';
export { validateBlockMvcc, type HistoryEntry, type MvccBlockInput, type MvccBlockResult, type MvccTx, type MvccVerdict } from './core/mvcc.js';
export { mvccPrefetchPlan, type MvccPrefetchPlan, type PrefetchKey, type PrefetchRange } from './core/mvcc-prefetch.js';
export { encodeOrderPreservingVarUint64, updateBatchBytes, versionBytes, type CommittedValueLookup } from './core/update-batch-bytes.js';
export { blockCommitHash, commitHashFromMetadata, commitHashMetadata, computeCommitHash, hasCommitHash, type CommitHashInput } from './core/commit-hash.js';
// The ledger: commit pipeline, queries, events, recovery.
export { Ledger, type LedgerOptions, type CommitResult } from './ledger.js';
export { LedgerError, type LedgerErrorCode } from './errors.js';
export {
  LedgerReader, type StateValue, type StatePage, type KeyModification, type CommittedTransaction, type FilteredBlock, type ContractEvent,
  type ChainInfo,
} from './query/ledger-reader.js';
export { NamespacePolicyValidator, type EndorsementValidator, type EndorsementContext, type EndorsementVerdict } from './validate/endorsement-validator.js';
export type { PreparedTx, PreparedBlock } from './validate/prepare-block.js';
export type { ConfigTxValidator } from './commit/endorsement-stage.js';
export {
  readChannelConfig, channelConfigOfEnvelope, channelPolicy, encodeChannelConfig, defaultOrgPolicies, DEFAULT_CHANNEL_POLICIES, type LedgerChannelConfig,
} from './channel-config.js';
export type { Version, KvRead, KvWrite, KvMetadataEntry, KvMetadataWrite, RangeQuery, NsRwSet, TxRwSet, MerkleSummary } from './core/rwset.js';
export type { CommittedStateView, VersionedKey } from './core/state-view.js';
export type { TxLocation } from './store/layout.js';
export type { Savepoint } from './store/records.js';
// Block files: blocks appended to checksummed records in rolling files, indexed by the KvStore (src/store/block-files.ts).
export { BlockFileError, type BlockFileErrorCode } from './errors.js';
export {
  BLOCK_FILE_START, FsBlockFileStore, MemoryBlockFileDisk, MemoryBlockFileStore, blockFileName, blockFileNumber,
  type BlockFileAppended, type BlockFileCrash, type BlockFileFaults, type BlockFilePosition, type BlockFileRecord, type BlockFileScanItem,
  type BlockFileSpan, type BlockFileStore, type BlockFileTorn, type BlockFileTornReason, type FsBlockFileStoreOptions,
  type MemoryBlockFileStoreOptions, type TornAppend,
} from './store/block-files.js';
export { verifyLedger, verifyLedgerStores, type LedgerVerification } from './verify-ledger.js';
export { KvStateSnapshot, type StateSnapshot, type StateEntry } from './query/state-snapshot.js';
export { MERKLE_MAX_DEGREE_DEFAULT, RANGE_QUERY_KEYS_MAX } from './constants.js';
