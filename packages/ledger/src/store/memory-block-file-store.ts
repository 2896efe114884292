/**
 * `BlockFileStore` in memory, with a simulated disk for crash tests and
 * seeded append faults for simulations. It behaves as `FsBlockFileStore`
 * does (the compliance suite runs against both) and adds what a test drives:
 *
 * - faults: fail the Nth append, or each with probability p, with
 *   BLOCK_FILE_WRITE_FAULT. Nothing is appended (end, reads and scans are
 *   unchanged) and, as on disk, the store then refuses writes until it is
 *   reopened. Part of the failed record may still be on the disk: a later
 *   `crash()` treats it as the append in flight;
 * - `crash(tear)`: the process dies. Every acknowledged append survives (each
 *   was fdatasynced). Of the append in flight, if any, what survives is what
 *   a crash between write and fdatasync can leave: nothing, a prefix of the
 *   record, or a prefix followed by bytes the file's size covers but whose
 *   pages never reached the disk, read back as zeros or as stale garbage.
 *   Pages written back out of order leave the same kind of image as far as a
 *   scan can tell: the record is short or fails its checksum. A record that
 *   opened a new file may leave that file empty or absent (its directory
 *   entry is synced before the write). The whole record may also survive,
 *   durable though never acknowledged;
 * - `diskImage()`: the disk as a clean shutdown leaves it.
 *
 * Reopen either image with `new MemoryBlockFileStore({ disk })`. An append
 * is in flight from its call until it resolves: `store.append(p)` followed,
 * in the same tick, by `store.crash()` tears it.
 */
import { strict as assert } from 'node:assert';
import { BLOCK_FILE_RECORD_HEADER_BYTES } from '../constants.js';
import { createRng, rngIntBelow, type Rng } from '../core/rng.js';
import { BlockFileError } from '../errors.js';
import { encodeRecordHeader } from './block-file-record.js';
import { scanBlockFiles } from './block-file-scan.js';
import {
  BLOCK_FILE_START, assertSpan, checkBoundary, checkPayload, fileBytesMaxOf, outOfRange, placeRecord,
  type BlockFileAppended, type BlockFilePosition, type BlockFileScanItem, type BlockFileSpan, type BlockFileStore,
} from './block-file-store.js';
import { MemoryBlockFile } from './memory-block-file.js';

/** Faults to inject into appends; reads, scans and truncates never fail. */
export interface BlockFileFaults {
  /** Fail the append with this sequence number: 1 is the first valid append since the store opened. */
  readonly failAppendAt?: number;
  /** Fail each append with this probability in [0, 1], drawn from the store's Rng. */
  readonly appendFailureProbability?: number;
}

/**
 * What a crash leaves of the append in flight: its record's first
 * `keptBytes` (0 … the record's length, header included), then `tailBytes`
 * of zeros or garbage (kept + tail at most the record's length). A record
 * that opened a new file and left no byte leaves the file empty when
 * `keepNewFile`, else no file.
 */
export interface TornAppend {
  readonly keptBytes: number;
  readonly tail?: 'zeros' | 'garbage';
  readonly tailBytes?: number;
  readonly keepNewFile?: boolean;
}

/** How `crash()` tears the append in flight: not at all ('none'), not at all lost ('all'), as given, or a seeded draw ('random'). */
export type BlockFileCrash = 'none' | 'all' | 'random' | TornAppend;

/**
 * The block files on the memory store's simulated disk, from `crash()` or
 * `diskImage()`, or built by a test (to damage a disk). Immutable: the
 * constructor copies, so one image can be reopened any number of times.
 */
export class MemoryBlockFileDisk {
  /** File `i` holds `files[i]`. */
  readonly files: readonly Uint8Array[];

  constructor(files: readonly Uint8Array[] = []) {
    // new Uint8Array copies even a Buffer (whose slice() would share memory).
    this.files = files.map((f) => new Uint8Array(f));
  }
}

export interface MemoryBlockFileStoreOptions {
  /** The disk to open; empty when absent. */
  readonly disk?: MemoryBlockFileDisk;
  /** Chance for faults and crashes; `seed` builds one when absent (default seed 1). */
  readonly rng?: Rng;
  readonly seed?: number;
  readonly faults?: BlockFileFaults;
  /** Roll files at this size (default and most BLOCK_FILE_BYTES_MAX; tests use less). */
  readonly fileBytesMax?: number;
}

// The append in flight, or the failed one whose bytes may be on the disk.
interface PendingAppend {
  readonly file: number;
  readonly offset: number;
  readonly newFile: boolean;
  readonly record: Uint8Array;
}

/** An in-memory BlockFileStore with a simulated disk and injectable faults. */
export class MemoryBlockFileStore implements BlockFileStore {
  readonly #files: MemoryBlockFile[];
  readonly #fileBytesMax: number;
  readonly #rng: Rng;
  #faults: BlockFileFaults;
  #end: BlockFilePosition;
  #pending: PendingAppend | undefined;
  #busy: Promise<unknown> | undefined;
  #tailChecked: boolean;
  #failed: BlockFileError | undefined;
  #appends = 0;
  #closed = false;
  #crashed = false;

  constructor(options: MemoryBlockFileStoreOptions = {}) {
    this.#files = (options.disk?.files ?? []).map((f) => MemoryBlockFile.of(f));
    this.#fileBytesMax = fileBytesMaxOf(options.fileBytesMax);
    this.#rng = options.rng ?? createRng(options.seed ?? 1);
    this.#faults = options.faults ?? {};
    const last = this.#files.length - 1;
    this.#end = { file: Math.max(0, last), offset: this.#files[last]?.size ?? 0 };
    this.#tailChecked = this.#files.length === 0;
  }

  /** Replaces the faults to inject from the next append on (the append count keeps running). */
  setFaults(faults: BlockFileFaults): void {
    this.#faults = faults;
  }

  /** Valid appends attempted since the store opened, failed ones included. */
  get appendCount(): number {
    return this.#appends;
  }

  /** @throws BlockFileError see BlockFileStore.append */
  async append(payload: Uint8Array): Promise<BlockFileAppended> {
    this.#writable();
    checkPayload(payload);
    assert(this.#tailChecked, 'scan to the end (or truncate) after open before appending: the tail may be torn');
    this.#appends++;
    // Copied now: the caller may reuse its buffer once the promise settles, and a crash tears this copy.
    const record = Buffer.concat([encodeRecordHeader(payload), payload]);
    const place = placeRecord(this.#end, this.#files.length > 0, record.length, this.#fileBytesMax);
    this.#pending = { ...place, record };
    return this.#exclusive(this.#complete(payload.length));
  }

  /** @throws BlockFileError see BlockFileStore.read */
  async read(span: BlockFileSpan): Promise<Uint8Array> {
    this.#live();
    assertSpan(span);
    const end = this.#end;
    const file = this.#files[span.file];
    if (file === undefined || span.offset + span.length > (span.file === end.file ? end.offset : file.size)) {
      throw outOfRange(`span ${span.file}:${span.offset}+${span.length} lies past the end ${end.file}:${end.offset}`, { span, end });
    }
    return file.read(span.offset, span.length);
  }

  scan(from: BlockFilePosition): AsyncIterable<BlockFileScanItem> {
    return scanBlockFiles({
      end: () => this.#end,
      fileBytes: async (f) => this.#fileOf(f).size,
      readExactly: async (f, offset, length) => this.#fileOf(f).read(offset, length),
      reachedEnd: () => { this.#tailChecked = true; },
      live: () => this.#live(),
    }, from);
  }

  /** @throws BlockFileError see BlockFileStore.truncate */
  async truncate(at: BlockFilePosition): Promise<void> {
    this.#writable();
    return this.#exclusive(this.#truncate(at));
  }

  start(): BlockFilePosition {
    return BLOCK_FILE_START;
  }

  /** @throws BlockFileError BLOCK_FILE_CLOSED */
  end(): BlockFilePosition {
    this.#live();
    return this.#end;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // As on disk, a clean close lets the append in progress finish.
    await this.#busy?.catch(() => undefined);
  }

  /**
   * Kills the store as a crash would and returns what its disk holds then
   * (see the file comment); the append in flight, if any, rejects with
   * BLOCK_FILE_CLOSED. The store is closed afterwards.
   * @throws BlockFileError BLOCK_FILE_CLOSED when the store is already closed
   */
  crash(tear: BlockFileCrash = 'random'): MemoryBlockFileDisk {
    this.#live();
    const files = this.#files.map((f) => f.image());
    const p = this.#pending;
    if (p !== undefined) {
      const left = this.#leftOf(p.record, tearOf(tear, p.record.length, this.#rng));
      if (!p.newFile) {
        files[p.file] = Buffer.concat([files[p.file]!, left.bytes]);
      } else {
        assert(p.file === files.length, 'a new file follows the last one');
        if (left.bytes.length > 0 || left.keepNewFile) files.push(left.bytes);
      }
    }
    this.#closed = true;
    this.#crashed = true;
    this.#pending = undefined;
    return new MemoryBlockFileDisk(files);
  }

  /** The disk as a clean shutdown leaves it: every acknowledged append, no failed one. Allowed after close. */
  diskImage(): MemoryBlockFileDisk {
    return new MemoryBlockFileDisk(this.#files.map((f) => f.image()));
  }

  async #complete(payloadBytes: number): Promise<BlockFileAppended> {
    const p = this.#pending!;
    this.#injectFault(p);
    // The write and its fdatasync take time: a crash now may tear the record.
    await Promise.resolve();
    if (this.#crashed) throw new BlockFileError('BLOCK_FILE_CLOSED', 'the store crashed during the append', { file: p.file, offset: p.offset });
    if (p.newFile) this.#files.push(new MemoryBlockFile());
    this.#files[p.file]!.append(p.record);
    this.#pending = undefined;
    this.#end = { file: p.file, offset: p.offset + p.record.length };
    return { file: p.file, offset: p.offset + BLOCK_FILE_RECORD_HEADER_BYTES, length: payloadBytes, next: this.#end };
  }

  async #truncate(at: BlockFilePosition): Promise<void> {
    await checkBoundary(at, this.#end, async (f) => this.#fileOf(f).size);
    if (this.#files.length > 0) {
      this.#files.length = at.file + 1;
      this.#files[at.file]!.truncate(at.offset);
    }
    this.#end = { file: at.file, offset: at.offset };
    this.#tailChecked = true;
  }

  async #exclusive<T>(op: Promise<T>): Promise<T> {
    this.#busy = op;
    try {
      return await op;
    } finally {
      this.#busy = undefined;
    }
  }

  #injectFault(p: PendingAppend): void {
    const { failAppendAt, appendFailureProbability: prob } = this.#faults;
    const chosen = failAppendAt === this.#appends;
    // Draw only when a probability is set, so adding a count fault does not shift a seeded run.
    const drawn = prob !== undefined && prob > 0 && this.#rng.next() < prob;
    if (chosen || drawn) {
      this.#failed = new BlockFileError('BLOCK_FILE_WRITE_FAULT', `injected fault on append ${this.#appends}`, {
        append: this.#appends, file: p.file, offset: p.offset, bytes: p.record.length, cause: chosen ? 'failAppendAt' : 'appendFailureProbability',
      });
      throw this.#failed;
    }
  }

  // The bytes a torn record leaves: its kept prefix, then the tail.
  #leftOf(record: Uint8Array, tear: Required<TornAppend>): { bytes: Uint8Array; keepNewFile: boolean } {
    const { keptBytes, tail, tailBytes, keepNewFile } = tear;
    assert(Number.isSafeInteger(keptBytes) && Number.isSafeInteger(tailBytes) && keptBytes >= 0 && tailBytes >= 0
      && keptBytes + tailBytes <= record.length, `a tear keeps at most the record's ${record.length} bytes`);
    const bytes = Buffer.alloc(keptBytes + tailBytes);
    bytes.set(record.subarray(0, keptBytes));
    if (tail === 'garbage') for (let i = keptBytes; i < bytes.length; i++) bytes[i] = rngIntBelow(this.#rng, 256);
    return { bytes, keepNewFile };
  }

  #fileOf(file: number): MemoryBlockFile {
    const f = this.#files[file];
    if (f === undefined) throw new BlockFileError('BLOCK_FILE_IO_FAILED', `block file ${file} is gone`, { op: 'read', file });
    return f;
  }

  #live(): void {
    if (this.#closed) throw new BlockFileError('BLOCK_FILE_CLOSED', 'the block files are closed');
  }

  #writable(): void {
    this.#live();
    if (this.#failed !== undefined) {
      throw new BlockFileError('BLOCK_FILE_FAILED', `an earlier write failed (${this.#failed.message}): reopen the block files`, {}, { cause: this.#failed });
    }
    assert(this.#busy === undefined, 'one append or truncate at a time');
  }
}

// The tear to apply: named modes resolved, a random one drawn from `rng`.
function tearOf(tear: BlockFileCrash, recordBytes: number, rng: Rng): Required<TornAppend> {
  if (tear === 'none') return { keptBytes: 0, tail: 'zeros', tailBytes: 0, keepNewFile: false };
  if (tear === 'all') return { keptBytes: recordBytes, tail: 'zeros', tailBytes: 0, keepNewFile: true };
  if (tear === 'random') {
    const keptBytes = rngIntBelow(rng, recordBytes + 1);
    const tail = rngIntBelow(rng, 2) === 0 ? 'zeros' : 'garbage';
    // A third of crashes leave no tail (the size never grew past the written bytes).
    const tailBytes = rngIntBelow(rng, 3) === 0 ? 0 : rngIntBelow(rng, recordBytes - keptBytes + 1);
    return { keptBytes, tail, tailBytes, keepNewFile: rngIntBelow(rng, 2) === 0 };
  }
  return { keptBytes: tear.keptBytes, tail: tear.tail ?? 'zeros', tailBytes: tear.tailBytes ?? 0, keepNewFile: tear.keepNewFile ?? false };
}
