/**
 * What MVCC validation of a block will ask the CommittedStateView, so the
 * shell can read it all from the store first (in one batch) and keep the
 * validator synchronous.
 */
import { protos } from '@alliance/protocol';
import { compareKeys } from './compare-keys.js';
import type { MvccTx } from './mvcc.js';

/** A key whose committed version validation may ask for. */
export interface PrefetchKey {
  readonly namespace: string;
  readonly key: string;
}

/** A committed range [startKey, endKey) validation scans (endKey '' = to the end of the namespace). */
export interface PrefetchRange {
  readonly namespace: string;
  readonly startKey: string;
  readonly endKey: string;
}

export interface MvccPrefetchPlan {
  /** Versions to load: every read key, every metadata-written key, every end key of a range read that stopped early. */
  readonly keys: readonly PrefetchKey[];
  /** Ranges to load completely; `range` is always called with includeEndKey false. */
  readonly ranges: readonly PrefetchRange[];
}

/**
 * The keys and ranges `validateBlockMvcc` may read for these transactions,
 * without repeats. Transactions already invalid, without a read-write set
 * or carrying private data collections are left out: they read nothing.
 */
export function mvccPrefetchPlan(txs: readonly MvccTx[]): MvccPrefetchPlan {
  const keys = new Map<string, Map<string, PrefetchKey>>();
  const ranges = new Map<string, PrefetchRange>();
  const addKey = (namespace: string, key: string): void => {
    let forNs = keys.get(namespace);
    if (forNs === undefined) {
      forNs = new Map();
      keys.set(namespace, forNs);
    }
    if (!forNs.has(key)) forNs.set(key, { namespace, key });
  };
  for (const tx of txs) {
    if (tx.code !== protos.TxValidationCode.VALID || tx.rwset === null || (tx.collectionHashedRwSets ?? 0) > 0) continue;
    for (const ns of tx.rwset.namespaces) {
      for (const r of ns.reads) addKey(ns.namespace, r.key);
      for (const m of ns.metadataWrites) addKey(ns.namespace, m.key);
      for (const q of ns.rangeQueries) {
        if (!q.itrExhausted) addKey(ns.namespace, q.endKey);
        if (q.endKey !== '' && compareKeys(q.startKey, q.endKey) >= 0) continue;
        // JSON of the triple: an unambiguous identity whatever the strings hold.
        const id = JSON.stringify([ns.namespace, q.startKey, q.endKey]);
        if (!ranges.has(id)) ranges.set(id, { namespace: ns.namespace, startKey: q.startKey, endKey: q.endKey });
      }
    }
  }
  const allKeys: PrefetchKey[] = [];
  // A loop, not push(...spread): a block may carry more keys than a call may take arguments.
  for (const forNs of keys.values()) for (const k of forNs.values()) allKeys.push(k);
  return { keys: allKeys, ranges: [...ranges.values()] };
}
