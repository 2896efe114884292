/**
 * A bounded least-recently-used map. A Map keeps insertion order, so a hit
 * moves its entry to the end and eviction takes from the front.
 */
import { assert } from '../core/assert.js';

export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly entriesMax: number;

  constructor(entriesMax: number) {
    assert(Number.isInteger(entriesMax) && entriesMax > 0, 'an LRU cache holds at least one entry');
    this.entriesMax = entriesMax;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.entriesMax) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
