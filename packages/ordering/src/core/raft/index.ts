/** The Raft core's public surface (re-exported by the package's index). */
export * from './types.js';
export { RaftNode } from './raft.js';
export { type RaftConfig, type ResolvedRaftConfig, resolveRaftConfig } from './config.js';
export type { Ready, RaftStatus, ProgressStatus } from './ready.js';
export { MemoryStorage, type Storage, type StorageInitialState } from './storage.js';
export { RaftError, type RaftErrorCode } from './errors.js';
export { encodeMessage, decodeMessage, encodeConfChange, decodeConfChange } from './codec.js';
export { applyConfChangeTo, quorumSize, describeConfChange } from './membership.js';
export { ProgressState } from './progress.js';
export * as raftLimits from './constants.js';
