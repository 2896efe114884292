/**
 * The frozen data behind the memory store's readers, and the image of its
 * simulated disk. Keys are held as latin1 strings (one char per byte):
 * JavaScript compares strings by UTF-16 code unit, which for chars 0..255 is
 * exactly unsigned byte order, so a plain sort orders keys as LevelDB does.
 */
import { KV_CHUNK_BYTES_MAX } from '../constants.js';
import { type KvEntry, type KvRange } from './kv-store.js';

/** A key as the memory store holds it. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** The bytes of a held key, in a Buffer of its own (see `copyOf`). */
export function keyBytes(key: string): Buffer {
  const out = Buffer.allocUnsafeSlow(key.length);
  out.write(key, 'latin1');
  return out;
}

/**
 * What a crash or a clean shutdown leaves on the memory store's simulated
 * disk; `new MemoryKvStore({ disk })` reopens it. Immutable, so one image
 * can be reopened any number of times.
 */
export class MemoryDisk {
  /** Stored entries, keys as latin1 strings; values are never changed after they are stored. */
  readonly entries: ReadonlyMap<string, Uint8Array>;

  constructor(entries: ReadonlyMap<string, Uint8Array> = new Map()) {
    this.entries = entries;
  }

  /** Entries on the disk. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * A map and its sorted keys, neither of which changes once a reader holds
 * it: the store copies the map before its next write instead (copy on write),
 * and replaces rather than edits the sorted array.
 */
export class MemoryView {
  readonly #data: ReadonlyMap<string, Uint8Array>;
  readonly #sorted: readonly string[];

  constructor(data: ReadonlyMap<string, Uint8Array>, sorted: readonly string[]) {
    this.#data = data;
    this.#sorted = sorted;
  }

  /** A fresh copy of the value under `key`, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    return copyOf(this.#data.get(keyString(key)));
  }

  /**
   * The entries of `range` in chunks of at most `chunkEntries` entries and
   * about KV_CHUNK_BYTES_MAX bytes; `live` runs before each chunk so a store
   * closed mid-scan stops the scan.
   */
  *chunks(range: KvRange, chunkEntries: number, live: () => void): Generator<KvEntry[]> {
    const [first, last] = this.#bounds(range);
    let remaining = Math.min(range.limit ?? Infinity, last - first + 1);
    let i = range.reverse === true ? last : first;
    const step = range.reverse === true ? -1 : 1;
    while (remaining > 0) {
      live();
      const chunk: KvEntry[] = [];
      let bytes = 0;
      while (remaining > 0 && chunk.length < chunkEntries && bytes < KV_CHUNK_BYTES_MAX) {
        const k = this.#sorted[i]!;
        const v = this.#data.get(k)!;
        chunk.push([keyBytes(k), copyOf(v)!]);
        bytes += k.length + v.length;
        i += step;
        remaining--;
      }
      yield chunk;
    }
  }

  // Indices of the first and last sorted keys inside the range (last < first when empty).
  #bounds(range: KvRange): [number, number] {
    const keys = this.#sorted;
    let first = 0;
    if (range.gte) first = lowerBound(keys, keyString(range.gte));
    else if (range.gt) first = upperBound(keys, keyString(range.gt));
    let last = keys.length - 1;
    if (range.lt) last = lowerBound(keys, keyString(range.lt)) - 1;
    else if (range.lte) last = upperBound(keys, keyString(range.lte)) - 1;
    return [first, last];
  }
}

/**
 * A copy of `v` in a Buffer with its own memory, so a caller cannot change
 * stored bytes, and so that, as with LevelDB's results, handing `.buffer` to
 * a worker moves exactly these bytes (Buffer.from would share an 8 KiB pool).
 */
export function copyOf(v: Uint8Array | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const out = Buffer.allocUnsafeSlow(v.length);
  out.set(v);
  return out;
}

// The first index whose key is >= k.
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The first index whose key is > k.
function upperBound(keys: readonly string[], k: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
