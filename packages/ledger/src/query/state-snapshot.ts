/**
 * A consistent, read-only view of committed state at one height, for
 * transaction simulation: every read of one simulation sees the same state
 * even while blocks commit meanwhile (a KvStore snapshot). Release it when
 * the simulation ends.
 */
import { KV_KEY_BYTES_MAX, RANGE_QUERY_KEYS_MAX } from '../constants.js';
import type { KvSnapshot } from '../store/kv-store.js';
import { decodeStateRecord, keyOfStateKey, stateKey, stateRange } from '../store/layout.js';
import type { StateValue } from './ledger-reader.js';
import type { Version } from '../core/rwset.js';

/** One committed entry of a range. */
export interface StateEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: Version;
  readonly metadata: StateValue['metadata'];
}

export interface StateSnapshot {
  /** Number of blocks committed when the snapshot was taken. */
  readonly height: number;
  /** The committed value of (namespace, key), or undefined. */
  getState(namespace: string, key: string): Promise<StateValue | undefined>;
  /** Several keys at once, in order. */
  getStates(namespace: string, keys: readonly string[]): Promise<(StateValue | undefined)[]>;
  /** Committed keys of `namespace` in [startKey, endKey) in key order ('' = to the end), at most `limit`. */
  getStateRange(namespace: string, startKey: string, endKey: string, limit?: number): AsyncGenerator<StateEntry>;
  release(): Promise<void>;
}

export class KvStateSnapshot implements StateSnapshot {
  constructor(private readonly snap: KvSnapshot, readonly height: number) {}

  async getState(namespace: string, key: string): Promise<StateValue | undefined> {
    const k = stateKey(namespace, key);
    if (k.length > KV_KEY_BYTES_MAX) return undefined;
    const v = await this.snap.get(k);
    if (!v) return undefined;
    const r = decodeStateRecord(v);
    return { value: r.value, version: r.version, metadata: r.metadata };
  }

  async getStates(namespace: string, keys: readonly string[]): Promise<(StateValue | undefined)[]> {
    const ks = keys.map((key) => stateKey(namespace, key));
    const storable = ks.map((k) => k.length <= KV_KEY_BYTES_MAX);
    const values = await this.snap.getMany(ks.filter((_, i) => storable[i]));
    let j = 0;
    return ks.map((_, i) => {
      if (!storable[i]) return undefined;
      const v = values[j++];
      if (!v) return undefined;
      const r = decodeStateRecord(v);
      return { value: r.value, version: r.version, metadata: r.metadata };
    });
  }

  async *getStateRange(namespace: string, startKey: string, endKey: string, limit = RANGE_QUERY_KEYS_MAX + 1): AsyncGenerator<StateEntry> {
    for await (const chunk of this.snap.iterateChunks({ ...stateRange(namespace, startKey, endKey), limit })) {
      for (const [k, v] of chunk) {
        const r = decodeStateRecord(v);
        yield { key: keyOfStateKey(k, namespace), value: r.value, version: r.version, metadata: r.metadata };
      }
    }
  }

  release(): Promise<void> {
    return this.snap.release();
  }
}
