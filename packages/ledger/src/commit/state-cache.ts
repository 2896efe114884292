/**
 * Committed state records a block's commit needs, read from the store in
 * batches before the synchronous stages run: versions for MVCC, ranges for
 * phantom checks, metadata for key-level policies and for writes that keep
 * it. One cache per block; the store does not change while it lives (blocks
 * commit one at a time).
 */
import type { KvReader } from '../store/kv-store.js';
import { decodeStateRecord, keyOfStateKey, stateKey, stateRange, type StateRecord } from '../store/layout.js';
import { KV_GET_MANY_KEYS_MAX, KV_KEY_BYTES_MAX, RANGE_QUERY_KEYS_MAX } from '../constants.js';
import type { CommittedStateView, VersionedKey } from '../core/state-view.js';
import type { KvMetadataEntry, Version } from '../core/rwset.js';

const id = (namespace: string, key: string): string => namespace + '\u0000' + key;

export class StateCache {
  private readonly records = new Map<string, StateRecord | null>();
  private readonly ranges = new Map<string, VersionedKey[]>();

  constructor(private readonly store: KvReader) {}

  /**
   * Loads the records of these keys (once each). A key whose state key is
   * longer than the store takes was never stored: it is absent, unasked
   * (a read of it is a transaction's business, not a store failure).
   */
  async load(keys: readonly (readonly [string, string])[]): Promise<void> {
    const missing: { readonly id: string; readonly storeKey: Uint8Array }[] = [];
    for (const [ns, k] of keys) {
      const key = id(ns, k);
      if (this.records.has(key)) continue;
      const storeKey = stateKey(ns, k);
      if (storeKey.length > KV_KEY_BYTES_MAX) this.records.set(key, null);
      else missing.push({ id: key, storeKey });
    }
    for (let i = 0; i < missing.length; i += KV_GET_MANY_KEYS_MAX) {
      const part = missing.slice(i, i + KV_GET_MANY_KEYS_MAX);
      const values = await this.store.getMany(part.map((m) => m.storeKey));
      part.forEach((m, j) => {
        const v = values[j];
        this.records.set(m.id, v === undefined ? null : decodeStateRecord(v));
      });
    }
  }

  /**
   * Loads the committed keys of [startKey, endKey) in `namespace`, at most
   * RANGE_QUERY_KEYS_MAX + 1 + `extra` of them (`extra`: keys the block may
   * delete from the range, which validation skips).
   */
  async loadRange(namespace: string, startKey: string, endKey: string, extra: number): Promise<void> {
    const rid = JSON.stringify([namespace, startKey, endKey]);
    if (this.ranges.has(rid)) return;
    const limit = RANGE_QUERY_KEYS_MAX + 1 + extra;
    const out: VersionedKey[] = [];
    for await (const chunk of this.store.iterateChunks({ ...stateRange(namespace, startKey, endKey), limit })) {
      for (const [k, v] of chunk) {
        const key = keyOfStateKey(k, namespace);
        const record = decodeStateRecord(v);
        out.push({ key, version: record.version });
        if (!this.records.has(id(namespace, key))) this.records.set(id(namespace, key), record);
      }
    }
    this.ranges.set(rid, out);
  }

  /** The record of a loaded key (null when absent). */
  record(namespace: string, key: string): StateRecord | null {
    const r = this.records.get(id(namespace, key));
    if (r === undefined) throw new Error(`assertion failed: state of ${namespace}/${key} was prefetched`);
    return r;
  }

  has(namespace: string, key: string): boolean {
    return this.records.has(id(namespace, key));
  }

  /** Committed metadata of a loaded key, undefined when not loaded. */
  metadata(namespace: string, key: string): readonly KvMetadataEntry[] | undefined {
    const r = this.records.get(id(namespace, key));
    return r === undefined ? undefined : r?.metadata ?? [];
  }

  /** Committed value of a loaded key: null when absent, undefined when not loaded. */
  value(namespace: string, key: string): Uint8Array | null | undefined {
    const r = this.records.get(id(namespace, key));
    return r === undefined ? undefined : r?.value ?? null;
  }

  /** The validator's view over what was loaded. */
  view(): CommittedStateView {
    return {
      version: (namespace: string, key: string): Version | null => this.record(namespace, key)?.version ?? null,
      range: (namespace: string, startKey: string, endKey: string, includeEndKey: boolean): readonly VersionedKey[] => {
        if (includeEndKey) throw new Error('assertion failed: the validator reads end keys through version()');
        const r = this.ranges.get(JSON.stringify([namespace, startKey, endKey]));
        if (!r) throw new Error(`assertion failed: range ${namespace}/[${startKey}, ${endKey}) was prefetched`);
        return r;
      },
    };
  }
}
