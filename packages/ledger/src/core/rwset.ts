/**
 * The read-write set as the validator sees it: plain data decoded from
 * kvrwset messages, with versions as (block, tx) numbers. Pure types.
 */

/** The height of the transaction that last wrote a key: block number and position in the block. */
export interface Version {
  readonly blockNum: number;
  readonly txNum: number;
}

/** A read of `key` that saw `version`; null means the key did not exist. */
export interface KvRead {
  readonly key: string;
  readonly version: Version | null;
}

/** A write; a delete carries no value. */
export interface KvWrite {
  readonly key: string;
  readonly isDelete: boolean;
  readonly value: Uint8Array;
}

export interface KvMetadataEntry {
  readonly name: string;
  readonly value: Uint8Array;
}

/** Replaces the key's whole metadata (key-level endorsement policies live here); no entries clears it. */
export interface KvMetadataWrite {
  readonly key: string;
  readonly entries: readonly KvMetadataEntry[];
}

/** Fabric's QueryReadsMerkleSummary. */
export interface MerkleSummary {
  readonly maxDegree: number;
  readonly maxLevel: number;
  readonly maxLevelHashes: readonly Uint8Array[];
}

/**
 * A range read as the simulator recorded it: [startKey, endKey) where an
 * empty endKey means "to the end of the namespace". When the contract
 * stopped early, itrExhausted is false and endKey is the last key it read,
 * included (Fabric re-runs [startKey, endKey] then).
 */
export interface RangeQuery {
  readonly startKey: string;
  readonly endKey: string;
  readonly itrExhausted: boolean;
  /** Exactly one of rawReads and merkle is set. */
  readonly rawReads?: readonly KvRead[];
  readonly merkle?: MerkleSummary;
}

/** One namespace (contract) of a transaction's read-write set. */
export interface NsRwSet {
  readonly namespace: string;
  readonly reads: readonly KvRead[];
  readonly rangeQueries: readonly RangeQuery[];
  readonly writes: readonly KvWrite[];
  readonly metadataWrites: readonly KvMetadataWrite[];
}

export interface TxRwSet {
  readonly namespaces: readonly NsRwSet[];
}

/** Versions compare equal when both are absent or both name the same height. */
export function sameVersion(a: Version | null, b: Version | null): boolean {
  if (a === null || b === null) return a === b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}
