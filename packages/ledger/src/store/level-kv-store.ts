/**
 * `KvStore` on LevelDB through `level` (classic-level). This file is the
 * only one in the package that touches LevelDB.
 *
 * Durability: LevelDB appends every batch to its log before applying it, so a
 * batch is atomic across a crash; with `sync` the log is fsynced first, which
 * also makes every earlier unsynced batch durable (the log is sequential).
 */
import { Level } from 'level';
import { KvStoreError } from '../errors.js';
import { KV_CHUNK_BYTES_MAX } from '../constants.js';
import { checkKey, type KvBatch } from './kv-batch.js';
import {
  assertValidRange, checkGetManyKeys, chunkEntriesOf, flattenChunks,
  type KvEntry, type KvRange, type KvSnapshot, type KvStore, type KvWriteOptions,
} from './kv-store.js';

type Db = Level<Uint8Array, Uint8Array>;
type DbSnapshot = ReturnType<Db['snapshot']>;

/** LevelDB tuning; the defaults are LevelDB's own unless noted. */
export interface LevelKvStoreOptions {
  /** Memtable (and log) size before it is written out as a table (LevelDB default 4 MiB). */
  readonly writeBufferSizeBytes?: number;
  /** Block cache (LevelDB default 8 MiB). */
  readonly cacheSizeBytes?: number;
  /** Table file size (LevelDB default 2 MiB). */
  readonly maxFileSizeBytes?: number;
  /** Snappy compression of table blocks (default true; incompressible blocks are stored raw). */
  readonly compression?: boolean;
}

const ENCODINGS = { keyEncoding: 'view', valueEncoding: 'view' } as const;

/** A LevelDB database in one directory, opened by `LevelKvStore.open`. */
export class LevelKvStore implements KvStore {
  readonly #db: Db;
  readonly #dir: string;
  #closed = false;

  private constructor(db: Db, dir: string) {
    this.#db = db;
    this.#dir = dir;
  }

  /**
   * Opens (creating if missing) the database in `dir`.
   * @throws KvStoreError KV_OPEN_FAILED (e.g. another process holds the directory's lock)
   */
  static async open(dir: string, options: LevelKvStoreOptions = {}): Promise<LevelKvStore> {
    const db: Db = new Level<Uint8Array, Uint8Array>(dir, {
      ...ENCODINGS,
      createIfMissing: true,
      ...(options.writeBufferSizeBytes !== undefined ? { writeBufferSize: options.writeBufferSizeBytes } : {}),
      ...(options.cacheSizeBytes !== undefined ? { cacheSize: options.cacheSizeBytes } : {}),
      ...(options.maxFileSizeBytes !== undefined ? { maxFileSize: options.maxFileSizeBytes } : {}),
      ...(options.compression !== undefined ? { compression: options.compression } : {}),
    });
    try {
      await db.open();
    } catch (cause) {
      throw new KvStoreError('KV_OPEN_FAILED', `cannot open LevelDB in ${dir}: ${messageOf(cause)}`, { dir, levelCode: levelCodeOf(cause) }, { cause });
    }
    return new LevelKvStore(db, dir);
  }

  /** The directory the database lives in. */
  get dir(): string {
    return this.#dir;
  }

  /** @throws KvStoreError see KvReader.get */
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return readGet(this.#db, this.#live(), key);
  }

  /** @throws KvStoreError see KvReader.getMany */
  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return readGetMany(this.#db, this.#live(), keys);
  }

  iterate(range: KvRange = {}): AsyncIterable<KvEntry> {
    return flattenChunks(this.iterateChunks(range));
  }

  iterateChunks(range: KvRange = {}, chunkEntriesMax?: number): AsyncIterable<KvEntry[]> {
    assertValidRange(range);
    return readChunks(this.#db, () => this.#live(), range, chunkEntriesOf(chunkEntriesMax));
  }

  /** @throws KvStoreError see KvStore.write */
  async write(batch: KvBatch, options: KvWriteOptions): Promise<void> {
    this.#live();
    if (batch.length === 0) return;
    // A chained batch, not db.batch(array): measured on a block's 4,500
    // small operations, the array form cost ~32 ms and the chained one ~7 ms
    // (the array path copies every operation object before the native call).
    const chained = this.#db.batch();
    try {
      for (const op of batch.ops) {
        if (op.type === 'put') chained.put(op.key, op.value);
        else chained.del(op.key);
      }
    } catch (cause) {
      await chained.close();
      throw ioError('write', cause, { ops: batch.length, bytes: batch.bytes, sync: options.sync });
    }
    try {
      await chained.write({ sync: options.sync });
    } catch (cause) {
      throw ioError('write', cause, { ops: batch.length, bytes: batch.bytes, sync: options.sync });
    }
  }

  /** @throws KvStoreError KV_STORE_CLOSED */
  snapshot(): KvSnapshot {
    this.#live();
    return new LevelSnapshot(this.#db, () => this.#closed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }

  // Reads go through this so that a closed store fails with our code, not
  // level's; it returns the read options (none: read the latest state).
  #live(): { snapshot?: DbSnapshot } {
    if (this.#closed) throw closedError();
    return {};
  }
}

/** Reads pinned to a LevelDB snapshot. */
class LevelSnapshot implements KvSnapshot {
  readonly #db: Db;
  readonly #snapshot: DbSnapshot;
  readonly #storeClosed: () => boolean;
  #released = false;

  constructor(db: Db, storeClosed: () => boolean) {
    this.#db = db;
    this.#snapshot = db.snapshot();
    this.#storeClosed = storeClosed;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return readGet(this.#db, this.#live(), key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return readGetMany(this.#db, this.#live(), keys);
  }

  iterate(range: KvRange = {}): AsyncIterable<KvEntry> {
    return flattenChunks(this.iterateChunks(range));
  }

  iterateChunks(range: KvRange = {}, chunkEntriesMax?: number): AsyncIterable<KvEntry[]> {
    assertValidRange(range);
    return readChunks(this.#db, () => this.#live(), range, chunkEntriesOf(chunkEntriesMax));
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (!this.#storeClosed()) await this.#snapshot.close();
  }

  #live(): { snapshot: DbSnapshot } {
    if (this.#released || this.#storeClosed()) throw closedError();
    return { snapshot: this.#snapshot };
  }
}

async function readGet(db: Db, at: { snapshot?: DbSnapshot }, key: Uint8Array): Promise<Uint8Array | undefined> {
  checkKey(key);
  try {
    return await db.get(key, { ...ENCODINGS, ...at });
  } catch (cause) {
    throw ioError('get', cause);
  }
}

async function readGetMany(db: Db, at: { snapshot?: DbSnapshot }, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
  checkGetManyKeys(keys.length);
  for (const k of keys) checkKey(k);
  if (keys.length === 0) return [];
  try {
    return await db.getMany(keys as Uint8Array[], { ...ENCODINGS, ...at });
  } catch (cause) {
    throw ioError('getMany', cause, { keys: keys.length });
  }
}

// The LevelDB iterator is created at the first read (the generator's body
// runs on the first next()), which is when its implicit snapshot is taken.
async function* readChunks(db: Db, live: () => { snapshot?: DbSnapshot }, range: KvRange, size: number): AsyncGenerator<KvEntry[]> {
  if (range.limit === 0) return;
  const it = db.iterator({
    ...ENCODINGS,
    ...live(),
    ...(range.gt ? { gt: range.gt } : {}),
    ...(range.gte ? { gte: range.gte } : {}),
    ...(range.lt ? { lt: range.lt } : {}),
    ...(range.lte ? { lte: range.lte } : {}),
    reverse: range.reverse === true,
    limit: range.limit ?? -1,
    highWaterMarkBytes: KV_CHUNK_BYTES_MAX,
  });
  try {
    for (;;) {
      let chunk: KvEntry[];
      try {
        chunk = await it.nextv(size);
      } catch (cause) {
        throw ioError('iterate', cause);
      }
      if (chunk.length === 0) return;
      yield chunk;
    }
  } finally {
    // Closing an iterator the store already closed is a no-op in level.
    await it.close();
  }
}

function closedError(): KvStoreError {
  return new KvStoreError('KV_STORE_CLOSED', 'the store or snapshot is closed');
}

// level reports a closed database or iterator with its own codes; those
// become KV_STORE_CLOSED, everything else KV_IO_FAILED with the cause kept.
function ioError(op: string, cause: unknown, details: Record<string, unknown> = {}): KvStoreError {
  const levelCode = levelCodeOf(cause);
  if (levelCode === 'LEVEL_DATABASE_NOT_OPEN' || levelCode === 'LEVEL_ITERATOR_NOT_OPEN') {
    return new KvStoreError('KV_STORE_CLOSED', `${op}: the store is closed`, { op, levelCode }, { cause });
  }
  return new KvStoreError('KV_IO_FAILED', `${op} failed: ${messageOf(cause)}`, { op, levelCode, ...details }, { cause });
}

function levelCodeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
