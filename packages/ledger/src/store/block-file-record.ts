/**
 * The block file record format, written by both stores and read back by
 * `scanBlockFiles`:
 *
 *   [payload length u32 BE][crc32 of the payload u32 BE][payload]
 *
 * crc32 (zlib's, IEEE polynomial) finds a torn or overwritten tail; it is no
 * defence against tampering, which the ledger's hash chain covers.
 */
import { crc32 } from 'node:zlib';
import { BLOCK_FILE_RECORD_BYTES_MAX, BLOCK_FILE_RECORD_HEADER_BYTES } from '../constants.js';
import { type BlockFileTornReason } from './block-file-store.js';

/** The header that precedes `payload` in its record, in a Buffer of its own. */
export function encodeRecordHeader(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(BLOCK_FILE_RECORD_HEADER_BYTES);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return header;
}

/** A header as read: the payload length it claims and the checksum it carries. */
export interface RecordHeader {
  readonly length: number;
  readonly crc: number;
}

/** Reads a header from its BLOCK_FILE_RECORD_HEADER_BYTES bytes. */
export function decodeRecordHeader(bytes: Uint8Array): RecordHeader {
  const v = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { length: v.readUInt32BE(0), crc: v.readUInt32BE(4) };
}

/**
 * Whether a header can start a record in the `available` bytes after it:
 * undefined when it can, else why not. Checked before the payload is read,
 * so a garbage length never makes a scan allocate or read past the file.
 */
export function headerFault(header: RecordHeader, available: number): BlockFileTornReason | undefined {
  // Zero is refused too: a zero-filled tail would otherwise read as valid empty records (crc32 of nothing is 0).
  if (header.length === 0 || header.length > BLOCK_FILE_RECORD_BYTES_MAX) return 'bad-length';
  if (header.length > available) return 'short-payload';
  return undefined;
}

/** Whether `payload` matches the checksum of its header. */
export function payloadIntact(header: RecordHeader, payload: Uint8Array): boolean {
  return crc32(payload) === header.crc;
}
