/**
 * How a channel's ledger lays out its records in one key-value store. One
 * store per channel per node, so that one synced batch makes a block's
 * commit atomic: block index, transaction index, state, history, savepoint.
 *
 *   0x01 'savepoint'                       -> savepoint record
 *   0x02 blockNum(8, BE)                   -> block record (where the block is; its tx offsets)
 *   0x03 headerHash(32)                    -> blockNum(8, BE)
 *   0x04 txId (UTF-8)                      -> blockNum(8) txNum(4) code(1)
 *   0x05 ns 0x00 key                       -> state record (version, metadata, value)
 *   0x06 ns 0x00 len(key)(4) key blockNum(8) txNum(4) -> history record (isDelete)
 *   0x07 blockNum(8) txNum(4)              -> reason an invalid transaction failed (UTF-8)
 *
 * Namespaces (contract names) contain no 0x00, so a namespace's state keys
 * form one contiguous, byte-ordered range. History keys carry the key's
 * length so that a key which is a prefix of another (composite keys end in
 * 0x00) never mixes its history with the longer key's.
 */
import type { KvMetadataEntry, Version } from '../core/rwset.js';
import { utf8Length, writeUtf8 } from '../core/utf8.js';

export const PREFIX_SAVEPOINT = 0x01;
export const PREFIX_BLOCK = 0x02;
export const PREFIX_BLOCK_HASH = 0x03;
export const PREFIX_TX = 0x04;
export const PREFIX_STATE = 0x05;
export const PREFIX_HISTORY = 0x06;
export const PREFIX_REASON = 0x07;

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: true });

function u64(out: Uint8Array, at: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  out[at] = hi >>> 24; out[at + 1] = hi >>> 16; out[at + 2] = hi >>> 8; out[at + 3] = hi;
  out[at + 4] = lo >>> 24; out[at + 5] = lo >>> 16; out[at + 6] = lo >>> 8; out[at + 7] = lo;
}

function readU64(b: Uint8Array, at: number): number {
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

function u32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24; out[at + 1] = n >>> 16; out[at + 2] = n >>> 8; out[at + 3] = n;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export const SAVEPOINT_KEY = new Uint8Array([PREFIX_SAVEPOINT, ...utf8.encode('savepoint')]);

export function blockKey(blockNum: number): Uint8Array {
  const k = new Uint8Array(9);
  k[0] = PREFIX_BLOCK;
  u64(k, 1, blockNum);
  return k;
}

export function blockNumOfKey(key: Uint8Array): number {
  return readU64(key, 1);
}

export function blockHashKey(hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + hash.length);
  k[0] = PREFIX_BLOCK_HASH;
  k.set(hash, 1);
  return k;
}

export function txKey(txId: string): Uint8Array {
  const k = new Uint8Array(1 + utf8Length(txId));
  k[0] = PREFIX_TX;
  writeUtf8(k, 1, txId);
  return k;
}

/** Where a transaction is and what became of it. */
export interface TxLocation {
  readonly blockNum: number;
  readonly txNum: number;
  readonly code: number;
}

export function encodeTxLocation(loc: TxLocation): Uint8Array {
  const v = new Uint8Array(13);
  u64(v, 0, loc.blockNum);
  u32(v, 8, loc.txNum);
  v[12] = loc.code;
  return v;
}

export function decodeTxLocation(v: Uint8Array): TxLocation {
  return { blockNum: readU64(v, 0), txNum: readU32(v, 8), code: v[12]! };
}

/** The state key of (namespace, key). */
export function stateKey(namespace: string, key: string): Uint8Array {
  // One allocation: this runs for every read and write of a block.
  const nsLength = utf8Length(namespace);
  const k = new Uint8Array(2 + nsLength + utf8Length(key));
  k[0] = PREFIX_STATE;
  writeUtf8(k, 1, namespace);
  k[1 + nsLength] = 0;
  writeUtf8(k, 2 + nsLength, key);
  return k;
}

function stateKeyOf(ns: Uint8Array, key: Uint8Array): Uint8Array {
  const k = new Uint8Array(2 + ns.length + key.length);
  k[0] = PREFIX_STATE;
  k.set(ns, 1);
  k[1 + ns.length] = 0;
  k.set(key, 2 + ns.length);
  return k;
}

/** The state keys of `namespace` in [startKey, endKey), endKey '' meaning the namespace's end. */
export function stateRange(namespace: string, startKey: string, endKey: string): { gte: Uint8Array; lt: Uint8Array } {
  const ns = utf8.encode(namespace);
  const gte = stateKeyOf(ns, utf8.encode(startKey));
  if (endKey !== '') return { gte, lt: stateKeyOf(ns, utf8.encode(endKey)) };
  const lt = new Uint8Array(2 + ns.length);
  lt[0] = PREFIX_STATE;
  lt.set(ns, 1);
  lt[1 + ns.length] = 1;
  return { gte, lt };
}

/** The key part of a state key of a known namespace. */
export function keyOfStateKey(stateKeyBytes: Uint8Array, namespace: string): string {
  return text.decode(stateKeyBytes.subarray(2 + utf8Length(namespace)));
}

/** A committed value: its version, its metadata (empty when none) and the value. */
export interface StateRecord {
  readonly version: Version;
  readonly metadata: readonly KvMetadataEntry[];
  readonly value: Uint8Array;
}

// state record: blockNum(8) txNum(4) metadataCount(2) [nameLen(2) name valueLen(4) value]* value
export function encodeStateRecord(r: StateRecord): Uint8Array {
  const names = r.metadata.map((m) => utf8.encode(m.name));
  let size = 14 + r.value.length;
  r.metadata.forEach((m, i) => { size += 6 + names[i]!.length + m.value.length; });
  const out = new Uint8Array(size);
  u64(out, 0, r.version.blockNum);
  u32(out, 8, r.version.txNum);
  out[12] = r.metadata.length >>> 8; out[13] = r.metadata.length & 0xff;
  let at = 14;
  r.metadata.forEach((m, i) => {
    const n = names[i]!;
    out[at] = n.length >>> 8; out[at + 1] = n.length & 0xff;
    out.set(n, at + 2);
    at += 2 + n.length;
    u32(out, at, m.value.length);
    out.set(m.value, at + 4);
    at += 4 + m.value.length;
  });
  out.set(r.value, at);
  return out;
}

export function decodeStateRecord(b: Uint8Array): StateRecord {
  const version = { blockNum: readU64(b, 0), txNum: readU32(b, 8) };
  const count = (b[12]! << 8) | b[13]!;
  let at = 14;
  const metadata: KvMetadataEntry[] = [];
  for (let i = 0; i < count; i++) {
    const nl = (b[at]! << 8) | b[at + 1]!;
    const name = text.decode(b.subarray(at + 2, at + 2 + nl));
    at += 2 + nl;
    const vl = readU32(b, at);
    metadata.push({ name, value: b.subarray(at + 4, at + 4 + vl) });
    at += 4 + vl;
  }
  return { version, metadata, value: b.subarray(at) };
}

/** Only the version of a state record (MVCC needs nothing else). */
export function versionOfStateRecord(b: Uint8Array): Version {
  return { blockNum: readU64(b, 0), txNum: readU32(b, 8) };
}

export function historyKey(namespace: string, key: string, blockNum: number, txNum: number): Uint8Array {
  return historyKeyOf(namespace, key, 12, blockNum, txNum);
}

/** Every history entry of (namespace, key) starts with this. */
export function historyPrefix(namespace: string, key: string): Uint8Array {
  return historyKeyOf(namespace, key, 0, 0, 0);
}

// The prefix, then `heightBytes` (12 or 0) of height; one allocation, as for state keys.
function historyKeyOf(namespace: string, key: string, heightBytes: number, blockNum: number, txNum: number): Uint8Array {
  const nsLength = utf8Length(namespace);
  const keyLength = utf8Length(key);
  const prefixLength = 1 + nsLength + 1 + 4 + keyLength;
  const k = new Uint8Array(prefixLength + heightBytes);
  k[0] = PREFIX_HISTORY;
  writeUtf8(k, 1, namespace);
  k[1 + nsLength] = 0;
  u32(k, 2 + nsLength, keyLength);
  writeUtf8(k, 6 + nsLength, key);
  if (heightBytes > 0) {
    u64(k, prefixLength, blockNum);
    u32(k, prefixLength + 8, txNum);
  }
  return k;
}

/** (blockNum, txNum) from the tail of a history key. */
export function heightOfHistoryKey(k: Uint8Array): Version {
  return { blockNum: readU64(k, k.length - 12), txNum: readU32(k, k.length - 4) };
}

export function reasonKey(blockNum: number, txNum: number): Uint8Array {
  const k = new Uint8Array(13);
  k[0] = PREFIX_REASON;
  u64(k, 1, blockNum);
  u32(k, 9, txNum);
  return k;
}

/** The exclusive upper bound of keys starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0xff, 0xff, 0xff, 0xff]);
}

export { u64 as writeU64, readU64, u32 as writeU32, readU32 };
