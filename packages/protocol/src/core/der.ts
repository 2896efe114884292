/**
 * The few DER shapes Fabric hashes or signs: the block header SEQUENCE and
 * ECDSA-Sig-Value. Pure: no I/O, no clock.
 */

import { assert } from './assert.js';

function lengthBytes(n: number): number[] {
  assert(Number.isInteger(n) && n >= 0, 'DER length is a non-negative integer');
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const len = lengthBytes(body.length);
  const out = new Uint8Array(1 + len.length + body.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(body, 1 + len.length);
  return out;
}

/** DER INTEGER of an unsigned big-endian magnitude (minimal form, 0x00 pad when the top bit is set). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = new Uint8Array([0]);
  if ((body[0]! & 0x80) !== 0) {
    const padded = new Uint8Array(body.length + 1);
    padded.set(body, 1);
    body = padded;
  }
  return tlv(0x02, body);
}

/** Big-endian bytes of a non-negative bigint (at least one byte). */
export function bigintToBytes(value: bigint): Uint8Array {
  assert(value >= 0n, 'non-negative');
  const hex = value.toString(16);
  const even = hex.length % 2 === 0 ? hex : '0' + hex;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(even.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  return tlv(0x04, bytes);
}

export function derSequence(...items: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const i of items) total += i.length;
  const body = new Uint8Array(total);
  let off = 0;
  for (const i of items) {
    body.set(i, off);
    off += i.length;
  }
  return tlv(0x30, body);
}

/**
 * The bytes Fabric hashes for a block header: DER of
 * SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }.
 */
export function blockHeaderAsn1(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  assert(number >= 0n && number < 1n << 64n, 'block number is a uint64');
  return derSequence(derUnsignedInteger(bigintToBytes(number)), derOctetString(previousHash), derOctetString(dataHash));
}
