/**
 * The state updates of one block as validation builds them (Fabric's
 * public UpdateBatch with the txOps rules of validation/tx_ops.go): every
 * valid transaction's writes, in block order, the last one of a key
 * winning. Later transactions of the block are validated against it, and
 * the commit applies it.
 */
import { assert } from './assert.js';
import { compareKeys } from './compare-keys.js';
import type { KvMetadataEntry, TxRwSet, Version } from './rwset.js';
import type { CommittedStateView } from './state-view.js';

/**
 * The final change of one key by a block. A delete removes the value and the
 * metadata (Fabric keeps metadata with the value). A put carries the new
 * value and metadata, where 'committed' means "as in committed state": a
 * metadata-only write keeps the committed value, a value-only write keeps
 * the committed metadata; the version is new either way.
 */
export type StateUpdate =
  | {
    readonly kind: 'delete';
    readonly namespace: string;
    readonly key: string;
    readonly version: Version;
  }
  | {
    readonly kind: 'put';
    readonly namespace: string;
    readonly key: string;
    readonly version: Version;
    /** Never empty (an empty value is a delete). */
    readonly value: Uint8Array | 'committed';
    /** Replaced entries ([] = none left), or the committed metadata unchanged. */
    readonly metadata: readonly KvMetadataEntry[] | 'committed';
  };

// What one transaction does to one key, gathered over its writes and
// metadata writes before the key's final update is decided.
interface KeyOps {
  deleted: boolean;
  value: Uint8Array | undefined;
  metadata: readonly KvMetadataEntry[] | undefined;
}

/**
 * A write is a delete when it says so or when its value is empty, as
 * Fabric's rwsetutil.IsKVWriteDelete decides (proto3 cannot tell an empty
 * value from none, so Fabric's simulator records PutState(k, []) as a delete).
 */
export function isDeleteWrite(write: { readonly isDelete: boolean; readonly value: Uint8Array }): boolean {
  return write.isDelete || write.value.length === 0;
}

// The keys of one namespace's updates in key order, for range reads: new
// keys wait in `added` and are merged in when a range is next asked for, so
// a block that never reads a range never sorts (Fabric sorts the namespace's
// keys for every range read).
class SortedKeys {
  private sorted: string[] = [];
  private added: string[] = [];

  add(key: string): void {
    this.added.push(key);
  }

  /** The keys in [startKey, endKey) (endKey '' = no upper bound), in key order. */
  range(startKey: string, endKey: string): string[] {
    if (this.added.length > 0) this.mergeAdded();
    const from = lowerBound(this.sorted, startKey);
    const to = endKey === '' ? this.sorted.length : lowerBound(this.sorted, endKey);
    return from < to ? this.sorted.slice(from, to) : [];
  }

  private mergeAdded(): void {
    const added = this.added.sort(compareKeys);
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    while (i < this.sorted.length || j < added.length) {
      if (j >= added.length || (i < this.sorted.length && compareKeys(this.sorted[i]!, added[j]!) < 0)) merged.push(this.sorted[i++]!);
      else merged.push(added[j++]!);
    }
    this.sorted = merged;
    this.added = [];
  }
}

/** The first index whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The updates of a block so far, per namespace and key. */
export class BlockUpdates {
  private readonly byNamespace = new Map<string, Map<string, StateUpdate>>();
  private readonly keysByNamespace = new Map<string, SortedKeys>();

  /** The pending update of a key, if an earlier valid transaction of the block changed it. */
  get(namespace: string, key: string): StateUpdate | undefined {
    return this.byNamespace.get(namespace)?.get(key);
  }

  /**
   * The pending updates of `namespace` in [startKey, endKey) (endKey '' = no
   * upper bound), deletes included, in key order: what Fabric's update-batch
   * iterator yields to the combined iterator.
   */
  range(namespace: string, startKey: string, endKey: string): StateUpdate[] {
    const updates = this.byNamespace.get(namespace);
    const keys = this.keysByNamespace.get(namespace);
    if (updates === undefined || keys === undefined) return [];
    return keys.range(startKey, endKey).map((key) => updates.get(key)!);
  }

  /** Every update, by namespace then key, in key order. */
  list(): StateUpdate[] {
    const out: StateUpdate[] = [];
    for (const namespace of [...this.byNamespace.keys()].sort(compareKeys)) {
      const updates = this.byNamespace.get(namespace)!;
      // A loop, not push(...spread): one namespace may take more updates than a call may take arguments.
      for (const u of [...updates.values()].sort((a, b) => compareKeys(a.key, b.key))) out.push(u);
    }
    return out;
  }

  /**
   * Applies the writes of a valid transaction at `version` (Fabric's
   * applyWriteSet). Per key of the transaction:
   * - a delete (isDelete or an empty value) wins over anything else the
   *   transaction does to the key: value and metadata go;
   * - a value write with a metadata write replaces both;
   * - a value write alone keeps the key's latest metadata (from an earlier
   *   update of the block, else committed);
   * - a metadata write alone keeps the latest value and takes the new
   *   version; on a key that does not exist (absent from committed state,
   *   or deleted earlier in the block) it does nothing.
   * `state` is asked whether a key exists for metadata-only writes.
   * @throws Error from `state` when it was not prefetched for such a key, a bug
   */
  applyTx(rwset: TxRwSet, version: Version, state: CommittedStateView): void {
    for (const [namespace, ops] of gatherKeyOps(rwset)) {
      for (const [key, op] of ops) this.applyKeyOps(namespace, key, op, version, state);
    }
  }

  private applyKeyOps(namespace: string, key: string, op: KeyOps, version: Version, state: CommittedStateView): void {
    if (op.deleted) {
      this.set({ kind: 'delete', namespace, key, version });
      return;
    }
    const latest = this.get(namespace, key);
    if (op.value !== undefined) {
      // After a delete earlier in the block the key has no metadata left.
      const latestMetadata = latest === undefined ? 'committed' : latest.kind === 'put' ? latest.metadata : [];
      this.set({ kind: 'put', namespace, key, version, value: op.value, metadata: op.metadata ?? latestMetadata });
      return;
    }
    assert(op.metadata !== undefined, 'a key operation writes a value, deletes or writes metadata');
    // Metadata-only: Fabric takes the value from the latest state and turns
    // the operation into nothing when the key does not exist there. (After a
    // delete earlier in the block Fabric's Go code panics on the nil value;
    // the key does not exist then, so nothing happens here.)
    if (latest !== undefined) {
      if (latest.kind === 'put') this.set({ kind: 'put', namespace, key, version, value: latest.value, metadata: op.metadata });
      return;
    }
    if (state.version(namespace, key) !== null) {
      this.set({ kind: 'put', namespace, key, version, value: 'committed', metadata: op.metadata });
    }
  }

  private set(update: StateUpdate): void {
    let updates = this.byNamespace.get(update.namespace);
    let keys = this.keysByNamespace.get(update.namespace);
    if (updates === undefined || keys === undefined) {
      updates = new Map();
      keys = new SortedKeys();
      this.byNamespace.set(update.namespace, updates);
      this.keysByNamespace.set(update.namespace, keys);
    }
    if (!updates.has(update.key)) keys.add(update.key);
    updates.set(update.key, update);
  }
}

/**
 * What the transaction does to each key (Fabric's txOps). Fabric's own
 * simulator writes a key at most once and its metadata at most once per
 * namespace. For a crafted read-write set that repeats a key, Fabric adds
 * its operation flags arithmetically (two value writes read as a metadata
 * write) and may panic; here any delete of the key wins, as in Fabric, and
 * otherwise the last value write and the last metadata write count.
 */
function gatherKeyOps(rwset: TxRwSet): Map<string, Map<string, KeyOps>> {
  const all = new Map<string, Map<string, KeyOps>>();
  for (const ns of rwset.namespaces) {
    let ops = all.get(ns.namespace);
    if (ops === undefined) {
      ops = new Map();
      all.set(ns.namespace, ops);
    }
    const forKey = (key: string): KeyOps => {
      let op = ops.get(key);
      if (op === undefined) {
        op = { deleted: false, value: undefined, metadata: undefined };
        ops.set(key, op);
      }
      return op;
    };
    for (const w of ns.writes) {
      const op = forKey(w.key);
      if (isDeleteWrite(w)) op.deleted = true;
      else op.value = w.value;
    }
    // An empty entry list clears the metadata (Fabric: nil Entries is a metadata delete).
    for (const m of ns.metadataWrites) forKey(m.key).metadata = m.entries;
  }
  return all;
}
