/**
 * ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) for P-256: strict parsing,
 * encoding, and the low-S rule. Fabric only accepts signatures whose s is at
 * most half the curve order, so each signature has exactly one valid form.
 * The checks compare bytes, not BigInts: they sit on the signing and
 * verifying hot paths. Pure: no I/O.
 */
import { SignatureError } from '../errors.js';
import { bigintToBytes, bytesToBigint, derSequence, derUnsignedInteger } from './der.js';

/** Order of the P-256 group. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
const ORDER_BYTES = bigintToBytes(P256_ORDER);
const HALF_ORDER_BYTES = bigintToBytes(P256_HALF_ORDER);
/** The largest DER ECDSA-Sig-Value for P-256: 2 + 2 * (2 + 33). */
export const P256_SIGNATURE_BYTES_MAX = 72;

export interface EcdsaSignatureParts {
  readonly r: bigint;
  readonly s: bigint;
}

/** Where r and s sit inside a DER signature (magnitudes without the sign byte). */
interface IntegerSpans {
  readonly rStart: number; readonly rEnd: number;
  readonly sStart: number; readonly sEnd: number;
}

function malformed(reason: string): SignatureError {
  return new SignatureError('SIGNATURE_MALFORMED', `malformed ECDSA signature: ${reason}`, { reason });
}

/** Compares the big-endian magnitude der[start..end) with a 32-byte reference: -1, 0 or 1. */
function compareMagnitude(der: Uint8Array, start: number, end: number, ref: Uint8Array): number {
  while (start < end && der[start] === 0) start++;
  const len = end - start;
  if (len !== ref.length) return len < ref.length ? -1 : 1;
  for (let i = 0; i < len; i++) {
    const a = der[start + i]!;
    const b = ref[i]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Reads one DER INTEGER at `offset`; returns its magnitude span. */
function readInteger(der: Uint8Array, offset: number, name: string): [number, number] {
  if (der[offset] !== 0x02) throw malformed(`${name} is not an INTEGER`);
  const len = der[offset + 1];
  if (len === undefined || len === 0 || len >= 0x80) throw malformed(`${name} has a bad length`);
  const start = offset + 2;
  const end = start + len;
  if (end > der.length) throw malformed(`${name} is truncated`);
  const first = der[start]!;
  if ((first & 0x80) !== 0) throw malformed(`${name} is negative`);
  if (first === 0 && len > 1 && (der[start + 1]! & 0x80) === 0) throw malformed(`${name} is not minimally encoded`);
  if (len === 1 && first === 0) throw malformed(`${name} is zero`);
  if (compareMagnitude(der, start, end, ORDER_BYTES) >= 0) throw malformed(`${name} is not below the curve order`);
  return [start, end];
}

function scan(der: Uint8Array): IntegerSpans {
  if (der.length < 8 || der.length > P256_SIGNATURE_BYTES_MAX) throw malformed(`length ${der.length} is out of range`);
  if (der[0] !== 0x30) throw malformed('not a SEQUENCE');
  const bodyLen = der[1]!;
  if (bodyLen >= 0x80 || bodyLen + 2 !== der.length) throw malformed('SEQUENCE length does not match');
  const [rStart, rEnd] = readInteger(der, 2, 'r');
  const [sStart, sEnd] = readInteger(der, rEnd, 's');
  if (sEnd !== der.length) throw malformed('trailing bytes');
  return { rStart, rEnd, sStart, sEnd };
}

/**
 * Parses a DER ECDSA signature strictly: one SEQUENCE, two positive minimal
 * INTEGERs below the order, no trailing bytes.
 * @throws SignatureError SIGNATURE_MALFORMED
 */
export function parseEcdsaSignature(der: Uint8Array): EcdsaSignatureParts {
  const sp = scan(der);
  return { r: bytesToBigint(der.subarray(sp.rStart, sp.rEnd)), s: bytesToBigint(der.subarray(sp.sStart, sp.sEnd)) };
}

/**
 * Whether a DER signature is well formed and low-S; the check verify runs
 * before the curve arithmetic.
 * @throws SignatureError SIGNATURE_MALFORMED
 */
export function isLowSSignature(der: Uint8Array): boolean {
  const sp = scan(der);
  return compareMagnitude(der, sp.sStart, sp.sEnd, HALF_ORDER_BYTES) <= 0;
}

export function encodeEcdsaSignature(parts: EcdsaSignatureParts): Uint8Array {
  return derSequence(derUnsignedInteger(bigintToBytes(parts.r)), derUnsignedInteger(bigintToBytes(parts.s)));
}

export function isLowS(s: bigint): boolean {
  return s <= P256_HALF_ORDER;
}

/**
 * The low-S form of a well-formed signature (s' = n - s); the same bytes if already low.
 * @throws SignatureError SIGNATURE_MALFORMED
 */
export function toLowS(der: Uint8Array): Uint8Array {
  if (isLowSSignature(der)) return der;
  const parts = parseEcdsaSignature(der);
  return encodeEcdsaSignature({ r: parts.r, s: P256_ORDER - parts.s });
}
