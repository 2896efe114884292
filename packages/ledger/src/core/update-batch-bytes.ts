/**
 * The deterministic bytes of a block's state updates that Fabric hashes into
 * the commit hash (txmgr/update_batch_bytes.go,
 * deterministicBytesForPubAndHashUpdates): the proto3 encoding of
 *
 *   message Updates { repeated KVWrite kvwrites = 1; }
 *   message KVWrite { string namespace = 1; string collection = 2; bytes key = 3;
 *                     bool isDelete = 4; bytes value = 5; bytes version_bytes = 6; }
 *
 * with namespaces in order, keys in order within each (Go string order =
 * UTF-8 byte order = compareKeys), the namespace set only on the first write
 * of each namespace, and the empty namespace (Fabric's channel config) left
 * out. Metadata is not part of it. Written by hand: it is hashed, so every
 * byte must be Go's — fields in number order, zero values (empty strings and
 * bytes, false) omitted, lengths as varints. No collections: Alliance has no
 * private data, so field 2 is never written.
 */
import { assert } from './assert.js';
import type { StateUpdate } from './block-updates.js';
import { compareKeys } from './compare-keys.js';
import type { Version } from './rwset.js';
import { utf8Length, writeUtf8 } from './utf8.js';

/** The committed value of a key the block only re-versioned (a metadata-only write): the shell reads it from the store. */
export type CommittedValueLookup = (namespace: string, key: string) => Uint8Array;

/**
 * Fabric's EncodeOrderPreservingVarUint64 (common/ledger/util): one byte
 * giving how many bytes follow, then the number big-endian without leading
 * zero bytes; 0 is the single byte 0x00. Byte order equals number order.
 * @throws Error (assertion) unless `n` is a non-negative safe integer (every block and transaction number is one), a bug
 */
export function encodeOrderPreservingVarUint64(n: number): Uint8Array {
  const out = new Uint8Array(orderPreservingLength(n));
  writeOrderPreserving(out, 0, n);
  return out;
}

/** Bytes of encodeOrderPreservingVarUint64(n). */
function orderPreservingLength(n: number): number {
  assert(Number.isSafeInteger(n) && n >= 0, `${n} is a non-negative safe integer`);
  let digits = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) digits++;
  return 1 + digits;
}

/** Writes encodeOrderPreservingVarUint64(n) at `at`; returns the offset after it. */
function writeOrderPreserving(out: Uint8Array, at: number, n: number): number {
  const length = orderPreservingLength(n);
  out[at] = length - 1;
  let rest = n;
  for (let i = length - 1; i >= 1; i--) {
    out[at + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return at + length;
}

/**
 * Fabric's version.Height.ToBytes: the block number then the transaction number, each order-preserving.
 * @throws Error (assertion) on a negative or unsafe number, a bug
 */
export function versionBytes(version: Version): Uint8Array {
  const out = new Uint8Array(versionBytesLength(version));
  writeOrderPreserving(out, writeOrderPreserving(out, 0, version.blockNum), version.txNum);
  return out;
}

function versionBytesLength(version: Version): number {
  return orderPreservingLength(version.blockNum) + orderPreservingLength(version.txNum);
}

function varintLength(n: number): number {
  let length = 1;
  for (let rest = n; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

// A length-delimited field (wire type 2) takes tag, length and the bytes;
// proto3 leaves it out when empty.
function fieldLength(bytes: number): number {
  return bytes === 0 ? 0 : 1 + varintLength(bytes) + bytes;
}

// One KVWrite with its field sizes, written in a second pass straight into
// the output (no per-write arrays: a block has thousands of writes).
interface EncodedWrite {
  readonly update: StateUpdate;
  /** UTF-8 bytes of the namespace when this write carries it, else 0. */
  readonly namespaceBytes: number;
  readonly keyBytes: number;
  readonly value: Uint8Array | null;
  readonly versionBytes: number;
  readonly length: number;
}

class ByteWriter {
  readonly bytes: Uint8Array;
  private offset = 0;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
  }

  varint(n: number): void {
    let rest = n;
    while (rest >= 0x80) {
      this.bytes[this.offset++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.offset++] = rest;
  }

  tag(tag: number): void {
    this.bytes[this.offset++] = tag;
  }

  field(tag: number, bytes: Uint8Array | null): void {
    if (bytes === null || bytes.length === 0) return;
    this.tag(tag);
    this.varint(bytes.length);
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** A string field of `length` UTF-8 bytes (left out when empty). */
  stringField(tag: number, s: string, length: number): void {
    if (length === 0) return;
    this.tag(tag);
    this.varint(length);
    this.offset = writeUtf8(this.bytes, this.offset, s);
  }

  versionField(tag: number, version: Version, length: number): void {
    this.tag(tag);
    this.varint(length);
    this.offset = writeOrderPreserving(this.bytes, writeOrderPreserving(this.bytes, this.offset, version.blockNum), version.txNum);
  }

  bool(tag: number, value: boolean): void {
    if (!value) return;
    this.tag(tag);
    this.bytes[this.offset++] = 1;
  }

  get written(): number {
    return this.offset;
  }
}

// Tags: field number << 3 | wire type (2 = length-delimited, 0 = varint).
const TAG_UPDATES_KVWRITES = (1 << 3) | 2;
const TAG_NAMESPACE = (1 << 3) | 2;
const TAG_KEY = (3 << 3) | 2;
const TAG_IS_DELETE = (4 << 3) | 0;
const TAG_VALUE = (5 << 3) | 2;
const TAG_VERSION_BYTES = (6 << 3) | 2;

function byNamespaceThenKey(a: StateUpdate, b: StateUpdate): number {
  return compareKeys(a.namespace, b.namespace) || compareKeys(a.key, b.key);
}

function encodeWrite(u: StateUpdate, firstOfNamespace: boolean, committedValue: CommittedValueLookup): EncodedWrite {
  const namespaceBytes = firstOfNamespace ? utf8Length(u.namespace) : 0;
  const keyBytes = utf8Length(u.key);
  const isDelete = u.kind === 'delete';
  const value = u.kind === 'delete' ? null : u.value === 'committed' ? committedValue(u.namespace, u.key) : u.value;
  const vb = versionBytesLength(u.version);
  const length = fieldLength(namespaceBytes) + fieldLength(keyBytes) + (isDelete ? 2 : 0) + fieldLength(value?.length ?? 0) + fieldLength(vb);
  return { update: u, namespaceBytes, keyBytes, value, versionBytes: vb, length };
}

/**
 * The bytes Fabric hashes for a block's state updates. `updates` are a
 * block's final updates, one per (namespace, key), e.g. as
 * `validateBlockMvcc` returns them (any order; they are sorted here).
 * `committedValue` supplies the value of keys whose update keeps the
 * committed value.
 * @throws Error (assertion) when a (namespace, key) appears twice — a bug
 */
export function updateBatchBytes(updates: readonly StateUpdate[], committedValue: CommittedValueLookup): Uint8Array {
  const sorted = updates.slice().sort(byNamespaceThenKey);
  const writes: EncodedWrite[] = [];
  let total = 0;
  let previous: StateUpdate | undefined;
  for (const u of sorted) {
    assert(previous === undefined || byNamespaceThenKey(previous, u) < 0, `one update per key: ${JSON.stringify([u.namespace, u.key])}`);
    const first = previous === undefined || previous.namespace !== u.namespace;
    previous = u;
    // The empty namespace holds Fabric's channel config, kept out of the hash.
    if (u.namespace === '') continue;
    const w = encodeWrite(u, first, committedValue);
    writes.push(w);
    total += 1 + varintLength(w.length) + w.length;
  }
  const out = new ByteWriter(total);
  for (const w of writes) {
    out.tag(TAG_UPDATES_KVWRITES);
    out.varint(w.length);
    out.stringField(TAG_NAMESPACE, w.update.namespace, w.namespaceBytes);
    out.stringField(TAG_KEY, w.update.key, w.keyBytes);
    out.bool(TAG_IS_DELETE, w.update.kind === 'delete');
    out.field(TAG_VALUE, w.value);
    out.versionField(TAG_VERSION_BYTES, w.update.version, w.versionBytes);
  }
  assert(out.written === total, 'the computed length is what was written');
  return out.bytes;
}
