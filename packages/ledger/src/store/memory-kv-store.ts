/**
 * `KvStore` in memory, with a simulated disk for crash tests and seeded
 * write faults for simulations. It behaves as `LevelKvStore` does (the
 * compliance suite runs against both) and adds three things a test drives:
 *
 * - faults: fail the Nth write, or each write with probability p, by
 *   throwing KV_WRITE_FAULT before anything changes (a failed batch is atomic
 *   too);
 * - `crash()`: the process dies. What survives models LevelDB's log: every
 *   synced batch and every batch before it; of the unsynced batches after the
 *   last synced one, by default none (`keep: 'synced'`), or all (`'all'`, a
 *   process kill where the OS kept its page cache), or a seeded random prefix
 *   (`'random-prefix'`, the log written back only partly). Always a prefix:
 *   LevelDB replays its log in order; a hole would need the OS to write back
 *   later log pages before earlier ones, which this model leaves out;
 * - `diskImage()`: the disk as a clean shutdown leaves it. Reopen either
 *   image with `new MemoryKvStore({ disk })`.
 *
 * The model keeps at most KV_MEMORY_UNSYNCED_BATCHES_MAX unsynced batches
 * revocable; an older one counts as written back by the OS and survives.
 */
import { KV_MEMORY_UNSYNCED_BATCHES_MAX } from '../constants.js';
import { createRng, rngIntBelow, type Rng } from '../core/rng.js';
import { KvStoreError } from '../errors.js';
import { checkKey, type KvBatch } from './kv-batch.js';
import {
  assertValidRange, checkGetManyKeys, chunkEntriesOf, flattenChunks,
  type KvEntry, type KvRange, type KvSnapshot, type KvStore, type KvWriteOptions,
} from './kv-store.js';
import { copyOf, keyString, MemoryDisk, MemoryView } from './memory-view.js';

/** Faults to inject into writes; reads never fail. */
export interface KvWriteFaults {
  /** Fail the write with this sequence number: 1 is the first non-empty write since the store opened. */
  readonly failWriteAt?: number;
  /** Fail each write with this probability in [0, 1], drawn from the store's Rng. */
  readonly writeFailureProbability?: number;
}

export interface MemoryKvStoreOptions {
  /** The disk to open: a previous store's `crash()` or `diskImage()`; empty when absent. */
  readonly disk?: MemoryDisk;
  /** Chance for faults and crashes; `seed` builds one when absent (default seed 1). */
  readonly rng?: Rng;
  readonly seed?: number;
  readonly faults?: KvWriteFaults;
}

/** What survives `crash()` of the unsynced batches written after the last synced one. */
export type CrashKeep = 'synced' | 'all' | 'random-prefix';

// A batch as applied: latin1 key, and the stored copy of the value or undefined for a delete.
type AppliedOp = readonly [key: string, value: Uint8Array | undefined];

/** An in-memory KvStore with a simulated disk and injectable faults. */
export class MemoryKvStore implements KvStore {
  // What reads see; replaced by a copy before a write when a reader holds it.
  #data: Map<string, Uint8Array>;
  #sorted: readonly string[] | undefined;
  #shared = false;
  // What a crash keeps for sure, and the revocable batches after it, oldest first.
  readonly #durable: Map<string, Uint8Array>;
  #unsynced: AppliedOp[][] = [];
  readonly #rng: Rng;
  #faults: KvWriteFaults;
  #writes = 0;
  #closed = false;

  constructor(options: MemoryKvStoreOptions = {}) {
    const disk = options.disk ?? new MemoryDisk();
    this.#data = new Map(disk.entries);
    this.#durable = new Map(disk.entries);
    this.#rng = options.rng ?? createRng(options.seed ?? 1);
    this.#faults = options.faults ?? {};
  }

  /** Replaces the faults to inject from the next write on (the write count keeps running). */
  setFaults(faults: KvWriteFaults): void {
    this.#faults = faults;
  }

  /** Non-empty writes attempted since the store opened, failed ones included. */
  get writeCount(): number {
    return this.#writes;
  }

  /** @throws KvStoreError see KvReader.get */
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#live();
    checkKey(key);
    return copyOf(this.#data.get(keyString(key)));
  }

  /** @throws KvStoreError see KvReader.getMany */
  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.#live();
    checkGetManyKeys(keys.length);
    for (const k of keys) checkKey(k);
    return keys.map((k) => copyOf(this.#data.get(keyString(k))));
  }

  iterate(range: KvRange = {}): AsyncIterable<KvEntry> {
    return flattenChunks(this.iterateChunks(range));
  }

  iterateChunks(range: KvRange = {}, chunkEntriesMax?: number): AsyncIterable<KvEntry[]> {
    assertValidRange(range);
    // The view is taken in the generator's body, at the first read, as LevelDB takes its iterator's snapshot.
    return scan(() => this.#view(), () => this.#live(), range, chunkEntriesOf(chunkEntriesMax));
  }

  /** @throws KvStoreError see KvStore.write */
  async write(batch: KvBatch, options: KvWriteOptions): Promise<void> {
    this.#live();
    if (batch.length === 0) return;
    this.#writes++;
    this.#injectFault(batch);
    const ops: AppliedOp[] = batch.ops.map((op) => [keyString(op.key), op.type === 'put' ? op.value.slice() : undefined]);
    this.#apply(ops);
    if (options.sync) {
      // A synced write fsyncs the log, and the log holds every earlier batch.
      for (const b of this.#unsynced) applyTo(this.#durable, b);
      this.#unsynced = [];
      applyTo(this.#durable, ops);
    } else {
      this.#unsynced.push(ops);
      if (this.#unsynced.length > KV_MEMORY_UNSYNCED_BATCHES_MAX) applyTo(this.#durable, this.#unsynced.shift()!);
    }
  }

  /** @throws KvStoreError KV_STORE_CLOSED */
  snapshot(): KvSnapshot {
    this.#live();
    return new MemorySnapshot(this.#view(), () => this.#closed);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /**
   * Kills the store as a crash would and returns what its disk holds then
   * (see the file comment for `keep`). The store is closed afterwards.
   * @throws KvStoreError KV_STORE_CLOSED when the store is already closed
   */
  crash(keep: CrashKeep = 'synced'): MemoryDisk {
    this.#live();
    const count = keep === 'all' ? this.#unsynced.length
      : keep === 'synced' ? 0
      : rngIntBelow(this.#rng, this.#unsynced.length + 1);
    const image = new Map(this.#durable);
    for (const b of this.#unsynced.slice(0, count)) applyTo(image, b);
    this.#closed = true;
    this.#unsynced = [];
    return new MemoryDisk(image);
  }

  /** The disk as a clean shutdown leaves it: every write, synced or not. Allowed after close. */
  diskImage(): MemoryDisk {
    return new MemoryDisk(new Map(this.#data));
  }

  #injectFault(batch: KvBatch): void {
    const { failWriteAt, writeFailureProbability: p } = this.#faults;
    const chosen = failWriteAt === this.#writes;
    // Draw only when a probability is set, so adding a count fault does not shift a seeded run.
    const drawn = p !== undefined && p > 0 && this.#rng.next() < p;
    if (chosen || drawn) {
      throw new KvStoreError('KV_WRITE_FAULT', `injected fault on write ${this.#writes}`, {
        write: this.#writes, ops: batch.length, cause: chosen ? 'failWriteAt' : 'writeFailureProbability',
      });
    }
  }

  #apply(ops: readonly AppliedOp[]): void {
    if (this.#shared) {
      this.#data = new Map(this.#data);
      this.#shared = false;
    }
    for (const [k, v] of ops) {
      if (v === undefined) {
        if (this.#data.delete(k)) this.#sorted = undefined;
      } else {
        if (!this.#data.has(k)) this.#sorted = undefined;
        this.#data.set(k, v);
      }
    }
  }

  // Freezes the current data for a reader; sorting is paid once per change of the key set.
  #view(): MemoryView {
    this.#sorted ??= [...this.#data.keys()].sort();
    this.#shared = true;
    return new MemoryView(this.#data, this.#sorted);
  }

  #live(): void {
    if (this.#closed) throw new KvStoreError('KV_STORE_CLOSED', 'the store is closed');
  }
}

/** Reads frozen at `snapshot()`. */
class MemorySnapshot implements KvSnapshot {
  readonly #view: MemoryView;
  readonly #storeClosed: () => boolean;
  #released = false;

  constructor(view: MemoryView, storeClosed: () => boolean) {
    this.#view = view;
    this.#storeClosed = storeClosed;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#live();
    checkKey(key);
    return this.#view.get(key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.#live();
    checkGetManyKeys(keys.length);
    for (const k of keys) checkKey(k);
    return keys.map((k) => this.#view.get(k));
  }

  iterate(range: KvRange = {}): AsyncIterable<KvEntry> {
    return flattenChunks(this.iterateChunks(range));
  }

  iterateChunks(range: KvRange = {}, chunkEntriesMax?: number): AsyncIterable<KvEntry[]> {
    assertValidRange(range);
    return scan(() => this.#view, () => this.#live(), range, chunkEntriesOf(chunkEntriesMax));
  }

  async release(): Promise<void> {
    this.#released = true;
  }

  #live(): void {
    if (this.#released || this.#storeClosed()) throw new KvStoreError('KV_STORE_CLOSED', 'the snapshot is released or its store closed');
  }
}

// Async so that the memory store is consumed exactly as LevelDB's is; each
// chunk re-checks that the store is open.
async function* scan(view: () => MemoryView, live: () => void, range: KvRange, size: number): AsyncGenerator<KvEntry[]> {
  live();
  yield* view().chunks(range, size, live);
}

function applyTo(map: Map<string, Uint8Array>, ops: readonly AppliedOp[]): void {
  for (const [k, v] of ops) {
    if (v === undefined) map.delete(k);
    else map.set(k, v);
  }
}
