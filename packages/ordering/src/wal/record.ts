/**
 * The record format of WAL segments and snapshot files:
 *
 *   [payload length u32 BE][crc32 u32 BE][type u8][payload]
 *
 * Big-endian, as the ledger's block files. The crc32 (zlib's, IEEE) covers a
 * seed, the type byte and the payload. The seed is the record's place: the
 * segment's sequence number and the record's offset for a WAL record, the
 * snapshot's index for a snapshot file. So a record is only good where it
 * was written: stale bytes of a deleted segment that a file system exposes
 * in a torn tail, or a record copied elsewhere, fail their checksum.
 *
 * A payload is never empty, so a tail of zeros (a file whose size grew
 * before its pages reached the disk) never reads as a record.
 */
import { crc32 } from 'node:zlib';
import { WAL_RECORD_BYTES_MAX, WAL_RECORD_HEADER_BYTES } from './constants.js';

export const RecordType = {
  /** One save of the WAL: hard state, snapshot marker and entries (see save-codec.ts). */
  SAVE: 1,
  /** A snapshot file's only record. */
  SNAPSHOT: 2,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The seed of a WAL record at `offset` of segment `seq`. */
export function segmentSeed(seq: number, offset: number): Uint8Array {
  const b = Buffer.alloc(12);
  writeU64(b, 0, seq);
  b.writeUInt32BE(offset, 8);
  return b;
}

/** The seed of a snapshot file's record. */
export function snapshotSeed(index: number): Uint8Array {
  const b = Buffer.alloc(8);
  writeU64(b, 0, index);
  return b;
}

/** The header of a record holding `payload` (in parts, which are not copied), to write before them. */
export function recordHeader(type: RecordType, payload: readonly Uint8Array[], seed: Uint8Array): Buffer {
  const typeByte = Uint8Array.of(type);
  let crc = crc32(typeByte, crc32(seed));
  let length = 0;
  for (const part of payload) {
    crc = crc32(part, crc);
    length += part.length;
  }
  const header = Buffer.alloc(WAL_RECORD_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(crc, 4);
  header[8] = type;
  return header;
}

/** A good record read back: where it starts, its type and its payload (a view of the bytes read). */
export interface ReadRecord {
  readonly offset: number;
  readonly type: RecordType;
  readonly payload: Uint8Array;
  /** Where the next record starts. */
  readonly next: number;
}

export type BadRecordReason = 'short-header' | 'bad-length' | 'bad-type' | 'short-payload' | 'checksum';

/** The record at `offset` of `bytes`, or why there is none. */
export function readRecord(bytes: Uint8Array, offset: number, seed: Uint8Array): ReadRecord | BadRecordReason {
  if (bytes.length - offset < WAL_RECORD_HEADER_BYTES) return 'short-header';
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.readUInt32BE(offset);
  const crc = view.readUInt32BE(offset + 4);
  const type = view[offset + 8]!;
  if (length === 0 || length > WAL_RECORD_BYTES_MAX) return 'bad-length';
  if (type !== RecordType.SAVE && type !== RecordType.SNAPSHOT) return 'bad-type';
  const start = offset + WAL_RECORD_HEADER_BYTES;
  if (length > bytes.length - start) return 'short-payload';
  const payload = bytes.subarray(start, start + length);
  if (crc32(payload, crc32(Uint8Array.of(type), crc32(seed))) !== crc) return 'checksum';
  return { offset, type, payload, next: start + length };
}

/** Writes a safe non-negative integer as u64 BE. */
export function writeU64(b: Buffer, offset: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), offset);
  b.writeUInt32BE(n >>> 0, offset + 4);
}
