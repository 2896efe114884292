/**
 * The ledger's own records in the index store: the savepoint (how far the
 * ledger has committed) and the block record (where a block and each of its
 * transactions sit in the block files). Fixed little binary layouts; never
 * hashed or signed.
 */
import { readU32, readU64, writeU32, writeU64 } from './layout.js';

/** A position in the block files (the start of a record). */
export interface FilePosition {
  readonly file: number;
  readonly offset: number;
}

/**
 * How far the ledger has committed. Durability rule: it is written in the
 * same synced batch as the block's index, state and history, after the
 * block's record is durable in the block files.
 */
export interface Savepoint {
  /** Number of committed blocks (the next block's number). */
  readonly height: number;
  readonly headerHash: Uint8Array;
  /** The last block's commit hash; empty when it has none. */
  readonly commitHash: Uint8Array;
  /** Where the block files end after the last committed block. */
  readonly fileEnd: FilePosition;
  /** Number of the latest config block. */
  readonly lastConfigBlock: number;
  /** The time identities of the next block's orderer signatures are judged at, at least (Unix ms). */
  readonly blockTimeMs: number;
}

// height(8) lastConfig(8) time(8) file(4) offset(8) hashLen(1) hash commitLen(1) commit
export function encodeSavepoint(s: Savepoint): Uint8Array {
  const out = new Uint8Array(38 + s.headerHash.length + s.commitHash.length);
  writeU64(out, 0, s.height);
  writeU64(out, 8, s.lastConfigBlock);
  writeU64(out, 16, s.blockTimeMs);
  writeU32(out, 24, s.fileEnd.file);
  writeU64(out, 28, s.fileEnd.offset);
  out[36] = s.headerHash.length;
  out.set(s.headerHash, 37);
  out[37 + s.headerHash.length] = s.commitHash.length;
  out.set(s.commitHash, 38 + s.headerHash.length);
  return out;
}

export function decodeSavepoint(b: Uint8Array): Savepoint {
  const hashLen = b[36]!;
  const commitLen = b[37 + hashLen]!;
  return {
    height: readU64(b, 0),
    lastConfigBlock: readU64(b, 8),
    blockTimeMs: readU64(b, 16),
    fileEnd: { file: readU32(b, 24), offset: readU64(b, 28) },
    headerHash: b.slice(37, 37 + hashLen),
    commitHash: b.slice(38 + hashLen, 38 + hashLen + commitLen),
  };
}

/** Where a block is: its payload in the block files and each transaction's span inside it. */
export interface BlockRecord {
  readonly file: number;
  /** Offset of the block's bytes (the record's payload) in its file. */
  readonly offset: number;
  readonly length: number;
  readonly headerHash: Uint8Array;
  /** [offset within the block's bytes, length] per transaction. */
  readonly txSpans: readonly (readonly [number, number])[];
}

// file(4) offset(8) length(4) hash(32) count(4) [spanOffset(4) spanLength(4)]*
export function encodeBlockRecord(r: BlockRecord): Uint8Array {
  const out = new Uint8Array(20 + r.headerHash.length + 4 + 8 * r.txSpans.length);
  writeU32(out, 0, r.file);
  writeU64(out, 4, r.offset);
  writeU32(out, 12, r.length);
  out[16] = r.headerHash.length;
  out.set(r.headerHash, 17);
  let at = 17 + r.headerHash.length;
  writeU32(out, at, r.txSpans.length);
  at += 4;
  for (const [o, l] of r.txSpans) {
    writeU32(out, at, o);
    writeU32(out, at + 4, l);
    at += 8;
  }
  return out.subarray(0, at);
}

export function decodeBlockRecord(b: Uint8Array): BlockRecord {
  const hashLen = b[16]!;
  let at = 17 + hashLen;
  const count = readU32(b, at);
  at += 4;
  const txSpans: [number, number][] = [];
  for (let i = 0; i < count; i++, at += 8) txSpans.push([readU32(b, at), readU32(b, at + 4)]);
  return { file: readU32(b, 0), offset: readU64(b, 4), length: readU32(b, 12), headerHash: b.slice(17, 17 + hashLen), txSpans };
}
