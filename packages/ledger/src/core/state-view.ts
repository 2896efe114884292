/**
 * What MVCC validation reads of committed state, prefetched by the shell so
 * the validator itself is synchronous and pure.
 */
import type { Version } from './rwset.js';

/** A committed key with its version (value not needed for validation). */
export interface VersionedKey {
  readonly key: string;
  readonly version: Version;
}

/**
 * Committed state as of the block's predecessor. Every key and range the
 * block reads must have been prefetched; asking for anything else is a bug.
 */
export interface CommittedStateView {
  /** The committed version of (namespace, key), or null when absent. */
  version(namespace: string, key: string): Version | null;
  /**
   * Committed keys of `namespace` in [startKey, endKey) — endKey '' means to
   * the end — in ascending byte order of their UTF-8 encoding, plus endKey
   * itself when `includeEndKey`. At most the prefetched entries.
   */
  range(namespace: string, startKey: string, endKey: string, includeEndKey: boolean): readonly VersionedKey[];
}
