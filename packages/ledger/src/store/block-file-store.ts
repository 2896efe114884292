/**
 * The block file store's interface, the types it trades in, and the checks
 * both implementations share. The design (format, commit order, recovery)
 * is described in block-files.ts.
 */
import { strict as assert } from 'node:assert';
import { BLOCK_FILE_BYTES_MAX, BLOCK_FILE_RECORD_BYTES_MAX, BLOCK_FILE_RECORD_HEADER_BYTES } from '../constants.js';
import { BlockFileError } from '../errors.js';

/**
 * A record boundary: the file number and the byte offset of a record's
 * header (or of the end of the files, where the next record goes). Plain
 * data, stored in savepoints. `length?: never` keeps a `BlockFileSpan`,
 * whose offset is a payload's, from being passed where a boundary is
 * wanted: scanning or truncating from inside a record would cut good data.
 */
export interface BlockFilePosition {
  readonly file: number;
  readonly offset: number;
  readonly length?: never;
}

/**
 * Bytes inside one record's payload: the file, the offset of the first byte
 * (a payload starts BLOCK_FILE_RECORD_HEADER_BYTES after its record) and the
 * length. A whole block, or one transaction inside it.
 */
export interface BlockFileSpan {
  readonly file: number;
  readonly offset: number;
  readonly length: number;
}

/** Where an appended payload went, and the boundary after its record (the savepoint's position). */
export interface BlockFileAppended extends BlockFileSpan {
  readonly next: BlockFilePosition;
}

/** A complete, checksummed record found by `scan`. */
export interface BlockFileRecord {
  /** Where the record starts. */
  readonly position: BlockFilePosition;
  /** Where its payload lies. */
  readonly span: BlockFileSpan;
  /** The boundary after it. */
  readonly next: BlockFilePosition;
  readonly payload: Uint8Array;
}

/** Why the record at a position is not a record. */
export type BlockFileTornReason =
  | 'short-header' // fewer bytes than a header left in the file
  | 'bad-length' // the length is zero or above BLOCK_FILE_RECORD_BYTES_MAX
  | 'short-payload' // the file ends inside the payload
  | 'checksum'; // the payload's crc32 differs from the header's

/** The first position after a scan's start that does not hold a whole, valid record; the scan ends with it. */
export interface BlockFileTorn {
  readonly torn: BlockFilePosition;
  readonly reason: BlockFileTornReason;
}

/** What `scan` yields: records, then at most one torn marker. Tell them apart with `'torn' in item`. */
export type BlockFileScanItem = BlockFileRecord | BlockFileTorn;

/**
 * Append-only block files. One append or truncate at a time (a second one
 * started before the first settles is a bug, asserted); reads and scans may
 * run alongside an append and never see its record before it is durable.
 *
 * Failure is fail-stop: when an append or truncate fails, how much of it
 * reached the disk is unknown (after a failed fdatasync the kernel may have
 * dropped the dirty pages), so the store refuses further writes with
 * BLOCK_FILE_FAILED. Reopen it; recovery repairs the tail.
 *
 * After open, the files past the ledger's savepoint are unchecked: the
 * first append is allowed only once a scan has reached the end without a
 * torn marker, or a truncate has cut the files (asserted). Otherwise a new
 * record could land after garbage, where no scan would reach it.
 */
export interface BlockFileStore {
  /**
   * Appends one record holding `payload` and resolves once it is durable
   * (fdatasync; the directory fsynced too when the record opened a new
   * file). Returns where the payload lies and the boundary after it.
   * @throws BlockFileError BLOCK_FILE_RECORD_EMPTY, BLOCK_FILE_RECORD_TOO_LARGE
   *   (nothing written, the store still usable); BLOCK_FILE_CLOSED,
   *   BLOCK_FILE_FAILED (an earlier write failed), BLOCK_FILE_IO_FAILED
   *   (MemoryBlockFileStore: BLOCK_FILE_WRITE_FAULT when injected)
   */
  append(payload: Uint8Array): Promise<BlockFileAppended>;
  /**
   * Exactly the bytes of `span`, in a fresh Buffer with its own memory
   * (the caller may transfer it). Not checksummed: a span is usually part
   * of a payload; `scan` checks whole records.
   * @throws BlockFileError BLOCK_FILE_OUT_OF_RANGE (past the end of its file
   *   or of the store), BLOCK_FILE_CLOSED, BLOCK_FILE_IO_FAILED
   */
  read(span: BlockFileSpan): Promise<Uint8Array>;
  /**
   * The records from the boundary `from` on, in order across files, ending
   * with a torn marker at the first position that holds no whole, valid
   * record (if any). `from` must be a boundary this store gave out (`end`,
   * `next`, `position`); the end of a full file and the start of the next
   * are the same boundary.
   * @throws BlockFileError BLOCK_FILE_OUT_OF_RANGE (`from` past the end),
   *   BLOCK_FILE_CLOSED, BLOCK_FILE_IO_FAILED, while iterating
   */
  scan(from: BlockFilePosition): AsyncIterable<BlockFileScanItem>;
  /**
   * Cuts the files at the boundary `at` (deleting every later file) and
   * makes the cut durable; `end()` is `at` afterwards.
   * @throws BlockFileError BLOCK_FILE_OUT_OF_RANGE (`at` past the end),
   *   BLOCK_FILE_CLOSED, BLOCK_FILE_FAILED, BLOCK_FILE_IO_FAILED
   */
  truncate(at: BlockFilePosition): Promise<void>;
  /** The first boundary, where an empty store's first record goes (file 0, offset 0). */
  start(): BlockFilePosition;
  /**
   * Where the next record goes, unless it does not fit and opens a new file.
   * Right after open this is the end of the last file, torn tail included.
   * @throws BlockFileError BLOCK_FILE_CLOSED
   */
  end(): BlockFilePosition;
  /** Waits for an append or truncate in progress, then releases the files. Closing twice is harmless. */
  close(): Promise<void>;
}

/** The first boundary of every store. */
export const BLOCK_FILE_START: BlockFilePosition = Object.freeze({ file: 0, offset: 0 });

/** The name of block file number `file`: six digits at least, as Fabric names them. */
export function blockFileName(file: number): string {
  return `blockfile_${String(file).padStart(6, '0')}`;
}

/** The number of a block file's name, or undefined for any other name. */
export function blockFileNumber(name: string): number | undefined {
  const m = /^blockfile_(\d{6,})$/.exec(name);
  if (m === null) return undefined;
  const n = Number(m[1]);
  // A name that does not round-trip (a seventh digit behind a leading zero) is not ours.
  return Number.isSafeInteger(n) && blockFileName(n) === name ? n : undefined;
}

/**
 * Refuses a payload that breaks the record bounds.
 * @throws BlockFileError BLOCK_FILE_RECORD_EMPTY, BLOCK_FILE_RECORD_TOO_LARGE
 */
export function checkPayload(payload: Uint8Array): void {
  if (payload.length === 0) throw new BlockFileError('BLOCK_FILE_RECORD_EMPTY', 'a block file record needs a payload');
  if (payload.length > BLOCK_FILE_RECORD_BYTES_MAX) {
    throw new BlockFileError('BLOCK_FILE_RECORD_TOO_LARGE', `a payload of ${payload.length} bytes exceeds ${BLOCK_FILE_RECORD_BYTES_MAX}`,
      { bytes: payload.length, max: BLOCK_FILE_RECORD_BYTES_MAX });
  }
}

/** The file bound to use: the caller's (a test's smaller one), checked, or the default. */
export function fileBytesMaxOf(fileBytesMax: number | undefined): number {
  if (fileBytesMax === undefined) return BLOCK_FILE_BYTES_MAX;
  assert(Number.isSafeInteger(fileBytesMax) && fileBytesMax >= 1 && fileBytesMax <= BLOCK_FILE_BYTES_MAX,
    `fileBytesMax is an integer in [1, ${BLOCK_FILE_BYTES_MAX}]`);
  return fileBytesMax;
}

/**
 * Where a record of `recordBytes` goes, given the end and whether its file
 * exists: at the end, or at the start of a new file when it would take a
 * non-empty file past `fileBytesMax`.
 */
export function placeRecord(end: BlockFilePosition, endFileExists: boolean, recordBytes: number, fileBytesMax: number): { file: number; offset: number; newFile: boolean } {
  if (!endFileExists) return { file: end.file, offset: 0, newFile: true };
  if (end.offset > 0 && end.offset + recordBytes > fileBytesMax) return { file: end.file + 1, offset: 0, newFile: true };
  return { file: end.file, offset: end.offset, newFile: false };
}

/** A position's shape; a malformed one is the caller's bug. */
export function assertPosition(p: BlockFilePosition): void {
  assert(Number.isSafeInteger(p.file) && p.file >= 0, 'a position names a file by a non-negative integer');
  assert(Number.isSafeInteger(p.offset) && p.offset >= 0, 'a position has a non-negative integer offset');
}

/** A span's shape; a malformed one is the caller's bug. */
export function assertSpan(s: BlockFileSpan): void {
  assert(Number.isSafeInteger(s.file) && s.file >= 0, 'a span names a file by a non-negative integer');
  assert(Number.isSafeInteger(s.offset) && s.offset >= 0, 'a span has a non-negative integer offset');
  assert(Number.isSafeInteger(s.length) && s.length >= 0, 'a span has a non-negative integer length');
}

/**
 * Refuses a boundary past the end: a file after the last, or an offset past
 * its file's size (`fileBytes` is asked only for files before the last).
 * @throws BlockFileError BLOCK_FILE_OUT_OF_RANGE
 */
export async function checkBoundary(p: BlockFilePosition, end: BlockFilePosition, fileBytes: (file: number) => Promise<number>): Promise<void> {
  assertPosition(p);
  const size = p.file < end.file ? await fileBytes(p.file) : p.file === end.file ? end.offset : -1;
  if (p.offset > size) throw outOfRange(`position ${p.file}:${p.offset} lies past the end ${end.file}:${end.offset}`, { file: p.file, offset: p.offset, end });
}

/** The error for a position or span the files do not hold. */
export function outOfRange(message: string, details: Record<string, unknown>): BlockFileError {
  return new BlockFileError('BLOCK_FILE_OUT_OF_RANGE', message, details);
}

/** Bytes of the record holding `payload`, header included. */
export function recordBytesOf(payload: Uint8Array): number {
  return BLOCK_FILE_RECORD_HEADER_BYTES + payload.length;
}
