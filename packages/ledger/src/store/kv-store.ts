/**
 * The storage interface every ledger store is written against. Two
 * implementations pass one compliance suite (test/kv-store-compliance.test.ts):
 * `LevelKvStore` on LevelDB and `MemoryKvStore`, which simulates a disk with
 * seeded faults and crashes.
 *
 * Keys and values are bytes; keys order by unsigned byte comparison (0x00
 * first, 0xff last, a prefix before its extensions), which is also the order
 * of UTF-8 strings by code point.
 */
import { strict as assert } from 'node:assert';
import { KV_CHUNK_ENTRIES_DEFAULT, KV_CHUNK_ENTRIES_MAX, KV_GET_MANY_KEYS_MAX } from '../constants.js';
import { KvStoreError } from '../errors.js';
import { type KvBatch } from './kv-batch.js';

/** A key and its value. */
export type KvEntry = [key: Uint8Array, value: Uint8Array];

/**
 * Which entries to visit. Bounds are optional; give at most one lower
 * (gt or gte) and one upper (lt or lte). A range whose lower bound lies past
 * its upper one is empty, not an error.
 */
export interface KvRange {
  readonly gt?: Uint8Array;
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly lte?: Uint8Array;
  /** Visit from the upper end down. */
  readonly reverse?: boolean;
  /** Visit at most this many entries (a non-negative integer); no limit when absent. */
  readonly limit?: number;
}

/** Durability of one write. */
export interface KvWriteOptions {
  /**
   * true: the write and every earlier one are on stable storage when the
   * promise resolves (LevelDB fsyncs its log). false: the write survives a
   * process crash but may be lost, with later unsynced writes, if the machine
   * fails. A block commit is one synced batch; nothing else needs sync.
   */
  readonly sync: boolean;
}

/**
 * Reads. Returned bytes are fresh Buffers (a Uint8Array subclass), each with
 * its own ArrayBuffer, which the caller owns and may transfer. An iterator sees the store as it was at the iterator's first
 * read and ignores writes made after that; use a snapshot to see one
 * consistent state across several calls.
 */
export interface KvReader {
  /**
   * The value under `key`, or undefined.
   * @throws KvStoreError KV_KEY_EMPTY, KV_KEY_TOO_LARGE, KV_STORE_CLOSED, KV_IO_FAILED
   */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * The values under `keys`, in the same order, undefined where absent.
   * @throws KvStoreError KV_TOO_MANY_KEYS (more than KV_GET_MANY_KEYS_MAX), and as `get`
   */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * The entries of `range` in key order (descending when `reverse`).
   * Leaving the loop early releases the underlying iterator.
   * @throws KvStoreError KV_STORE_CLOSED, KV_IO_FAILED while iterating
   */
  iterate(range?: KvRange): AsyncIterable<KvEntry>;
  /**
   * As `iterate`, handed over in chunks of at most `chunkEntriesMax` entries
   * (and about KV_CHUNK_BYTES_MAX bytes, at least one entry), so a long scan
   * pays one native call per chunk rather than per entry. Never yields an
   * empty chunk.
   * @throws KvStoreError KV_STORE_CLOSED, KV_IO_FAILED while iterating
   */
  iterateChunks(range?: KvRange, chunkEntriesMax?: number): AsyncIterable<KvEntry[]>;
}

/** A read-only view of the store frozen when it was taken; release it when done. */
export interface KvSnapshot extends KvReader {
  /** Frees what the snapshot pins; later reads through it throw KV_STORE_CLOSED. */
  release(): Promise<void>;
}

/** A byte-ordered key-value store with atomic, optionally synced batches. */
export interface KvStore extends KvReader {
  /**
   * Applies every operation of `batch` or none. An empty batch is a no-op
   * and syncs nothing (as LevelDB). If a synced write fails, the store's
   * durability is unknown: stop and reopen (LevelDB refuses further writes).
   * @throws KvStoreError KV_STORE_CLOSED, KV_IO_FAILED (MemoryKvStore: KV_WRITE_FAULT when injected)
   */
  write(batch: KvBatch, options: KvWriteOptions): Promise<void>;
  /**
   * A consistent read-only view of the store as of now.
   * @throws KvStoreError KV_STORE_CLOSED
   */
  snapshot(): KvSnapshot;
  /** Releases the store; open iterators and snapshots end. Closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * Checks a range's shape; a malformed range is the caller's bug, so it is an
 * assertion, not an operating error.
 */
export function assertValidRange(range: KvRange): void {
  assert(!(range.gt && range.gte), 'a range takes gt or gte, not both');
  assert(!(range.lt && range.lte), 'a range takes lt or lte, not both');
  if (range.limit !== undefined) assert(Number.isSafeInteger(range.limit) && range.limit >= 0, 'limit is a non-negative integer');
}

/** The chunk size to use: the caller's, checked, or the default. */
export function chunkEntriesOf(chunkEntriesMax: number | undefined): number {
  if (chunkEntriesMax === undefined) return KV_CHUNK_ENTRIES_DEFAULT;
  assert(Number.isSafeInteger(chunkEntriesMax) && chunkEntriesMax >= 1 && chunkEntriesMax <= KV_CHUNK_ENTRIES_MAX,
    `chunkEntriesMax is an integer in [1, ${KV_CHUNK_ENTRIES_MAX}]`);
  return chunkEntriesMax;
}

/**
 * Refuses a getMany larger than the bound.
 * @throws KvStoreError KV_TOO_MANY_KEYS
 */
export function checkGetManyKeys(count: number): void {
  if (count > KV_GET_MANY_KEYS_MAX) {
    throw new KvStoreError('KV_TOO_MANY_KEYS', `getMany of ${count} keys exceeds ${KV_GET_MANY_KEYS_MAX}`, { count, max: KV_GET_MANY_KEYS_MAX });
  }
}

/** Flattens chunks into entries: both stores build `iterate` on `iterateChunks`. */
export async function* flattenChunks(chunks: AsyncIterable<KvEntry[]>): AsyncGenerator<KvEntry> {
  for await (const chunk of chunks) yield* chunk;
}
