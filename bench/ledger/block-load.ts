/**
 * What one committed block asks of storage, built deterministically from the
 * block number: a block of 500 transactions (~2.3 MB of incompressible
 * bytes), 500 transaction-index entries, 2,000 state writes of 100-byte
 * values, 2,000 history entries, a block-hash entry and a savepoint. Key
 * shapes follow packages/ledger/src/store/layout.ts (prefix byte, namespace,
 * key, big-endian heights).
 *
 * Bytes come from AES-128-CTR with a fixed key and the block number as IV:
 * fast, seeded, and as incompressible as real signatures and hashes.
 */
import { createCipheriv, createHash } from 'node:crypto';

export const BLOCK_TXS = 500;
export const TX_BYTES = 4_592;
export const STATE_WRITES_PER_BLOCK = 2_000;
export const STATE_VALUE_BYTES = 100;
/** State keys are drawn from this many, so later blocks overwrite earlier keys as a live ledger does. */
export const STATE_KEY_SPACE = 200_000;
const HEADER_BYTES = 96;
const METADATA_BYTES = 2_048;
// 11 chars: state keys come to ~21 bytes and history keys to ~37, the sizes the ledger will write.
const NAMESPACE = 'points-book';
const KEY = new Uint8Array(16).fill(7);
const BODY_STREAM = 0;
const TX_ID_STREAM = 1;
const STATE_STREAM = 2;

export interface TxSlice {
  /** Offset of the transaction's bytes from the start of the block. */
  readonly offset: number;
  readonly length: number;
}

export interface BlockLoad {
  readonly number: number;
  /** The serialized block: header, 500 length-prefixed transactions, metadata. */
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly txIds: readonly string[];
  readonly txs: readonly TxSlice[];
  /** [state key, version(12) ‖ value(100)] */
  readonly stateWrites: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  /** History keys; their values are empty. */
  readonly historyKeys: readonly Uint8Array[];
}

// The IV is block number (8) ‖ stream (4) ‖ counter (4): CTR mode counts in
// the low bytes, so streams of different blocks never overlap.
function stream(blockNum: number, streamId: number, bytes: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(Math.floor(blockNum / 2 ** 32), 0);
  iv.writeUInt32BE(blockNum >>> 0, 4);
  iv.writeUInt32BE(streamId, 8);
  return createCipheriv('aes-128-ctr', KEY, iv).update(Buffer.alloc(bytes));
}

/**
 * The deterministic storage load of block `n`. Keys and values are views
 * into a few buffers per block rather than thousands of small allocations,
 * so that building a load (timed inside the runner's commit cases) costs
 * little next to the commit it feeds.
 */
export function makeBlockLoad(n: number): BlockLoad {
  const bodyBytes = HEADER_BYTES + BLOCK_TXS * (4 + TX_BYTES) + METADATA_BYTES;
  const bytes = stream(n, BODY_STREAM, bodyBytes);
  bytes.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  bytes.writeUInt32BE(n >>> 0, 4);
  const txs: TxSlice[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < BLOCK_TXS; i++) {
    bytes.writeUInt32BE(TX_BYTES, at);
    txs.push({ offset: at + 4, length: TX_BYTES });
    at += 4 + TX_BYTES;
  }
  const ids = stream(n, TX_ID_STREAM, BLOCK_TXS * 32);
  const txIds = Array.from({ length: BLOCK_TXS }, (_, i) => ids.toString('hex', i * 32, (i + 1) * 32));
  const hash = createHash('sha256').update(bytes.subarray(0, HEADER_BYTES)).digest();

  const stride = 4 + STATE_VALUE_BYTES;
  const extra = stream(n, STATE_STREAM, STATE_WRITES_PER_BLOCK * stride);
  const records = Buffer.alloc(STATE_WRITES_PER_BLOCK * (12 + STATE_VALUE_BYTES));
  const history = Buffer.alloc(STATE_WRITES_PER_BLOCK * HISTORY_KEY_BYTES);
  const stateWrites: Array<readonly [Uint8Array, Uint8Array]> = [];
  const historyKeys: Uint8Array[] = [];
  for (let w = 0; w < STATE_WRITES_PER_BLOCK; w++) {
    const pick = extra.readUInt32BE(w * stride) % STATE_KEY_SPACE;
    const txNum = Math.floor(w / (STATE_WRITES_PER_BLOCK / BLOCK_TXS));
    const record = records.subarray(w * (12 + STATE_VALUE_BYTES), (w + 1) * (12 + STATE_VALUE_BYTES));
    writeHeight(record, 0, n, txNum);
    extra.copy(record, 12, w * stride + 4, (w + 1) * stride);
    stateWrites.push([stateKey(pick), record]);
    const h = history.subarray(w * HISTORY_KEY_BYTES, (w + 1) * HISTORY_KEY_BYTES);
    HISTORY_PREFIX.copy(h, 0);
    h.write(keyName(pick), HISTORY_PREFIX.length, 'latin1');
    writeHeight(h, HISTORY_KEY_BYTES - 12, n, txNum);
    historyKeys.push(h);
  }
  return { number: n, bytes, hash, txIds, txs, stateWrites, historyKeys };
}

/** The txId of transaction `i` of block `n`: 64 hex chars, as Fabric's (a SHA-256 in hex). */
export function txIdOf(n: number, i: number): string {
  return stream(n, TX_ID_STREAM, (i + 1) * 32).toString('hex', i * 32, (i + 1) * 32);
}

const utf8 = new TextEncoder();

export const SAVEPOINT_KEY = Uint8Array.from([0x01, ...utf8.encode('savepoint')]);

export function blockKey(n: number): Uint8Array {
  const k = Buffer.alloc(9);
  k[0] = 0x02;
  k.writeUInt32BE(Math.floor(n / 2 ** 32), 1);
  k.writeUInt32BE(n >>> 0, 5);
  return k;
}

export function blockHashKey(hash: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.of(0x03), hash]);
}

export function txKey(txId: string): Uint8Array {
  return Buffer.concat([Buffer.of(0x04), Buffer.from(txId, 'utf8')]);
}

/** blockNum(8) txNum(4) code(1), as layout.ts encodes a transaction's location. */
export function txLocation(n: number, txNum: number, code: number): Uint8Array {
  const v = Buffer.alloc(13);
  writeHeight(v, 0, n, txNum);
  v[12] = code;
  return v;
}

export function readTxLocation(v: Uint8Array): { blockNum: number; txNum: number } {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return { blockNum: b.readUInt32BE(0) * 2 ** 32 + b.readUInt32BE(4), txNum: b.readUInt32BE(8) };
}

export function u64(n: number): Uint8Array {
  const v = Buffer.alloc(8);
  v.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  v.writeUInt32BE(n >>> 0, 4);
  return v;
}

const KEY_NAME_CHARS = 8;
// ns 0x00 len(key)(4): the constant head of every history key (all key names have KEY_NAME_CHARS chars).
const HISTORY_PREFIX = Buffer.concat([Buffer.of(0x06), Buffer.from(NAMESPACE), Buffer.of(0, 0, 0, 0, KEY_NAME_CHARS)]);
const HISTORY_KEY_BYTES = HISTORY_PREFIX.length + KEY_NAME_CHARS + 12;
const stateKeys = new Map<number, Uint8Array>();

function keyName(pick: number): string {
  return `k${String(pick).padStart(KEY_NAME_CHARS - 1, '0')}`;
}

// State keys repeat across blocks, so each is built once.
function stateKey(pick: number): Uint8Array {
  let k = stateKeys.get(pick);
  if (!k) {
    k = Buffer.concat([Buffer.of(0x05), Buffer.from(NAMESPACE), Buffer.of(0), Buffer.from(keyName(pick))]);
    stateKeys.set(pick, k);
  }
  return k;
}

function writeHeight(out: Buffer, at: number, n: number, txNum: number): void {
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  out.writeUInt32BE(n >>> 0, at + 4);
  out.writeUInt32BE(txNum, at + 8);
}
