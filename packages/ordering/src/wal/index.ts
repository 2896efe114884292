/**
 * The durable Raft log: a WAL and snapshot store on a `WalDisk` (a real
 * directory, or a simulated disk with seeded crashes), read as etcd's
 * Storage through `RaftLogReader`.
 */
export { RaftLogStore, type RaftLogRecovery, type RaftLogStoreOptions } from './raft-log-store.js';
export { applySave, planSave, type RaftLogSave, type SavePlan } from './save-plan.js';
export { EMPTY_HARD_STATE, EMPTY_SNAPSHOT, RaftLogView, type RaftInitialState, type RaftLogReader } from './raft-log-view.js';
export { RaftLogError, type RaftLogErrorCode } from './errors.js';
export type { WalDisk } from './wal-disk.js';
export { FsWalDisk } from './fs-wal-disk.js';
export { MemoryWalDisk, type MemoryWalDiskOptions, type WalCrashMode } from './memory-wal-disk.js';
export { segmentName, snapshotName } from './wal-files.js';
export {
  WAL_RECORD_BYTES_MAX, WAL_RECORD_HEADER_BYTES, WAL_SEGMENT_BYTES_MAX, WAL_SNAPSHOT_BYTES_MAX,
} from './constants.js';
