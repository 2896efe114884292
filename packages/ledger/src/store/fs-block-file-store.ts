/**
 * `BlockFileStore` on real files (node:fs/promises). This file and
 * read-handle-cache.ts are the only ones in the package that touch them.
 *
 * Durability: an append writes its record with a positional write and
 * fdatasyncs the file before it resolves; a record that opens a new file
 * first creates the file and fsyncs the directory, so the file's entry is
 * durable before any record in it is acknowledged. Deletions (truncate) fsync
 * the directory after each file.
 *
 * Open does no reading: the end is the last file's size, whatever its tail
 * holds. The ledger's recovery (scan from its savepoint, truncate at a torn
 * marker) checks that tail, and appends wait for it (see BlockFileStore).
 * Two processes must not open one directory: the ledger holds its LevelDB's
 * lock, which guards the block files beside it.
 */
import { strict as assert } from 'node:assert';
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BLOCK_FILE_READ_HANDLES_MAX, BLOCK_FILE_RECORD_HEADER_BYTES } from '../constants.js';
import { BlockFileError } from '../errors.js';
import { encodeRecordHeader } from './block-file-record.js';
import { scanBlockFiles, type BlockFileSource } from './block-file-scan.js';
import {
  BLOCK_FILE_START, assertSpan, blockFileName, blockFileNumber, checkBoundary, checkPayload, fileBytesMaxOf, outOfRange, placeRecord, recordBytesOf,
  type BlockFileAppended, type BlockFilePosition, type BlockFileScanItem, type BlockFileSpan, type BlockFileStore,
} from './block-file-store.js';
import { ReadHandleCache } from './read-handle-cache.js';

export interface FsBlockFileStoreOptions {
  /** Roll files at this size (default and most BLOCK_FILE_BYTES_MAX; tests use less). */
  readonly fileBytesMax?: number;
  /** Read handles kept open (default BLOCK_FILE_READ_HANDLES_MAX). */
  readonly readHandlesMax?: number;
}

/** Block files in one directory, opened by `FsBlockFileStore.open`. */
export class FsBlockFileStore implements BlockFileStore {
  readonly #dir: string;
  readonly #fileBytesMax: number;
  readonly #reads: ReadHandleCache;
  #fileCount: number;
  #end: BlockFilePosition;
  // Open on the last file, for appends and truncates.
  #writer: FileHandle | undefined;
  // The append or truncate in progress.
  #busy: Promise<unknown> | undefined;
  #tailChecked: boolean;
  #failed: BlockFileError | undefined;
  #closed = false;

  private constructor(dir: string, options: FsBlockFileStoreOptions, fileCount: number, lastBytes: number, writer: FileHandle | undefined) {
    this.#dir = dir;
    this.#fileBytesMax = fileBytesMaxOf(options.fileBytesMax);
    const handlesMax = options.readHandlesMax ?? BLOCK_FILE_READ_HANDLES_MAX;
    assert(Number.isSafeInteger(handlesMax) && handlesMax >= 1, 'readHandlesMax is a positive integer');
    this.#reads = new ReadHandleCache((f) => this.#pathOf(f), handlesMax);
    this.#fileCount = fileCount;
    this.#end = { file: Math.max(0, fileCount - 1), offset: lastBytes };
    this.#writer = writer;
    // No file, no tail to check.
    this.#tailChecked = fileCount === 0;
  }

  /**
   * Opens (creating if missing, durably) the block files in `dir`.
   * @throws BlockFileError BLOCK_FILE_OPEN_FAILED, BLOCK_FILE_CORRUPT (a file missing from 0..n-1)
   */
  static async open(dir: string, options: FsBlockFileStoreOptions = {}): Promise<FsBlockFileStore> {
    fileBytesMaxOf(options.fileBytesMax);
    let numbers: number[];
    try {
      await makeDirDurable(dir);
      numbers = (await readdir(dir)).map(blockFileNumber).filter((n) => n !== undefined).sort((a, b) => a - b);
    } catch (cause) {
      throw openFailed(dir, cause);
    }
    numbers.forEach((n, i) => {
      if (n !== i) throw new BlockFileError('BLOCK_FILE_CORRUPT', `block files in ${dir} skip ${blockFileName(i)}`, { dir, missing: i, found: n });
    });
    if (numbers.length === 0) return new FsBlockFileStore(dir, options, 0, 0, undefined);
    let writer: FileHandle | undefined;
    try {
      writer = await open(path.join(dir, blockFileName(numbers.length - 1)), 'r+');
      const { size } = await writer.stat();
      return new FsBlockFileStore(dir, options, numbers.length, size, writer);
    } catch (cause) {
      await writer?.close().catch(() => undefined);
      throw openFailed(dir, cause);
    }
  }

  /** The directory the files live in. */
  get dir(): string {
    return this.#dir;
  }

  /** @throws BlockFileError see BlockFileStore.append */
  async append(payload: Uint8Array): Promise<BlockFileAppended> {
    this.#writable();
    checkPayload(payload);
    assert(this.#tailChecked, 'scan to the end (or truncate) after open before appending: the tail may be torn');
    return this.#exclusive(this.#append(payload));
  }

  /** @throws BlockFileError see BlockFileStore.read */
  async read(span: BlockFileSpan): Promise<Uint8Array> {
    this.#live();
    assertSpan(span);
    const end = this.#end;
    if (span.file >= this.#fileCount || (span.file === end.file && span.offset + span.length > end.offset)) {
      throw outOfRange(`span ${span.file}:${span.offset}+${span.length} lies past the end ${end.file}:${end.offset}`, { span, end });
    }
    const out = Buffer.allocUnsafeSlow(span.length);
    if (span.length === 0) return out;
    const n = await this.#readInto(span.file, out, span.offset);
    if (n < span.length) throw outOfRange(`block file ${span.file} ends inside span ${span.offset}+${span.length}`, { span, bytesRead: n });
    return out;
  }

  scan(from: BlockFilePosition): AsyncIterable<BlockFileScanItem> {
    const source: BlockFileSource = {
      end: () => this.#end,
      fileBytes: (f) => this.#fileBytes(f),
      readExactly: async (f, offset, length) => {
        const out = Buffer.allocUnsafeSlow(length);
        const n = await this.#readInto(f, out, offset);
        if (n < length) throw this.#ioError('scan', new Error(`block file ${f} shrank under the scan`), { file: f, offset, length });
        return out;
      },
      reachedEnd: () => { this.#tailChecked = true; },
      live: () => this.#live(),
    };
    return scanBlockFiles(source, from);
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
    await this.#busy?.catch(() => undefined);
    // Every record was fdatasynced when it was appended: closing loses nothing if it fails.
    await this.#writer?.close().catch(() => undefined);
    this.#writer = undefined;
    await this.#reads.closeAll();
  }

  async #append(payload: Uint8Array): Promise<BlockFileAppended> {
    const recordBytes = recordBytesOf(payload);
    const place = placeRecord(this.#end, this.#fileCount > 0, recordBytes, this.#fileBytesMax);
    try {
      if (place.newFile) await this.#createFile(place.file);
      await writeFully(this.#writer!, [encodeRecordHeader(payload), payload], place.offset);
      await this.#writer!.datasync();
    } catch (cause) {
      throw this.#fail('append', cause, { file: place.file, offset: place.offset, bytes: recordBytes });
    }
    // Only now may readers and scans see the record: it is durable.
    this.#end = { file: place.file, offset: place.offset + recordBytes };
    return { file: place.file, offset: place.offset + BLOCK_FILE_RECORD_HEADER_BYTES, length: payload.length, next: this.#end };
  }

  // The new file is empty and its directory entry durable before any record goes in.
  async #createFile(file: number): Promise<void> {
    await this.#writer?.close();
    this.#writer = undefined;
    this.#writer = await open(this.#pathOf(file), 'wx');
    this.#fileCount = file + 1;
    this.#end = { file, offset: 0 };
    await fsyncDir(this.#dir);
  }

  async #truncate(at: BlockFilePosition): Promise<void> {
    await checkBoundary(at, this.#end, (f) => this.#fileBytes(f));
    const oldCount = this.#fileCount;
    // Shrink what readers see first (synchronously), so no read starts on a file about to go.
    if (oldCount > 0) this.#fileCount = at.file + 1;
    this.#end = { file: at.file, offset: at.offset };
    try {
      await this.#reads.evictFrom(at.file + 1);
      if (at.file < oldCount - 1) {
        await this.#writer?.close();
        this.#writer = undefined;
      }
      // Later files go first, highest first, each deletion durable before the
      // next: a crash part-way leaves files 0..k without a gap, and the torn
      // record in place for the next recovery to find again.
      for (let f = oldCount - 1; f > at.file; f--) {
        await unlink(this.#pathOf(f));
        await fsyncDir(this.#dir);
      }
      if (oldCount > 0) {
        this.#writer ??= await open(this.#pathOf(at.file), 'r+');
        await this.#writer.truncate(at.offset);
        // fdatasync carries a size change (the metadata needed to read the file back).
        await this.#writer.datasync();
      }
    } catch (cause) {
      throw this.#fail('truncate', cause, { at });
    }
    this.#tailChecked = true;
  }

  // Runs the one write operation allowed at a time; close waits for it.
  async #exclusive<T>(op: Promise<T>): Promise<T> {
    this.#busy = op;
    try {
      return await op;
    } finally {
      this.#busy = undefined;
    }
  }

  async #fileBytes(file: number): Promise<number> {
    try {
      return await this.#reads.use(file, async (h) => (await h.stat()).size);
    } catch (cause) {
      throw this.#ioError('stat', cause, { file });
    }
  }

  async #readInto(file: number, out: Buffer, position: number): Promise<number> {
    try {
      return await this.#reads.use(file, (h) => readFully(h, out, position));
    } catch (cause) {
      throw this.#ioError('read', cause, { file, position, length: out.length });
    }
  }

  #pathOf(file: number): string {
    return path.join(this.#dir, blockFileName(file));
  }

  #live(): void {
    if (this.#closed) throw new BlockFileError('BLOCK_FILE_CLOSED', 'the block files are closed');
  }

  #writable(): void {
    this.#live();
    if (this.#failed !== undefined) {
      throw new BlockFileError('BLOCK_FILE_FAILED', `an earlier write failed (${this.#failed.message}): reopen the block files`,
        { dir: this.#dir }, { cause: this.#failed });
    }
    assert(this.#busy === undefined, 'one append or truncate at a time');
  }

  // A failed write leaves the disk in an unknown state: no more writes until reopened.
  #fail(op: string, cause: unknown, details: Record<string, unknown>): BlockFileError {
    const error = this.#ioError(op, cause, details);
    this.#failed = error;
    return error;
  }

  #ioError(op: string, cause: unknown, details: Record<string, unknown>): BlockFileError {
    if (cause instanceof BlockFileError) return cause;
    if (this.#closed) return new BlockFileError('BLOCK_FILE_CLOSED', `${op}: the block files are closed`, { op }, { cause });
    return new BlockFileError('BLOCK_FILE_IO_FAILED', `${op} failed in ${this.#dir}: ${messageOf(cause)}`,
      { op, dir: this.#dir, osCode: osCodeOf(cause), ...details }, { cause });
  }
}

/**
 * Writes all of `buffers` at `position`. A regular file takes a write whole
 * unless the disk fills; a short one is finished, or fails if it stops.
 */
async function writeFully(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let done = (await handle.writev(buffers, position)).bytesWritten;
  if (done === total) return;
  const all = Buffer.concat(buffers);
  while (done < total) {
    const { bytesWritten } = await handle.write(all, done, total - done, position + done);
    if (bytesWritten === 0) throw new Error(`short write: ${done} of ${total} bytes`);
    done += bytesWritten;
  }
}

/** Reads into all of `out` from `position`, or as far as the file goes; the bytes read. */
async function readFully(handle: FileHandle, out: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < out.length) {
    const { bytesRead } = await handle.read(out, done, out.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Creates `dir` and its missing parents; each new directory's entry is made
// durable in its parent, or a crash could take the synced files with it.
async function makeDirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const top = path.resolve(first);
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    await fsyncDir(path.dirname(p));
    if (p === top || p === path.dirname(p)) return;
  }
}

function openFailed(dir: string, cause: unknown): BlockFileError {
  return new BlockFileError('BLOCK_FILE_OPEN_FAILED', `cannot open block files in ${dir}: ${messageOf(cause)}`, { dir, osCode: osCodeOf(cause) }, { cause });
}

function osCodeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
