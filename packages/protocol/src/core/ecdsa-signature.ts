/**
 * ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) for P-256: strict parsing,
 * encoding, and the low-S rule. Fabric only accepts signatures whose s is at
 * most half the curve order, so each signature has exactly one valid form.
 * Pure: no I/O.
 */
import { SignatureError } from '../errors.js';
import { bigintToBytes, bytesToBigint, derSequence, derUnsignedInteger } from './der.js';

/** Order of the P-256 group. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
/** The largest DER ECDSA-Sig-Value for P-256: 2 + 2 * (2 + 33). */
export const P256_SIGNATURE_BYTES_MAX = 72;

export interface EcdsaSignatureParts {
  readonly r: bigint;
  readonly s: bigint;
}

function malformed(reason: string): SignatureError {
  return new SignatureError('SIGNATURE_MALFORMED', `malformed ECDSA signature: ${reason}`, { reason });
}

/** Reads one DER INTEGER at `offset`; returns its value and the offset after it. */
function readInteger(der: Uint8Array, offset: number, name: string): [bigint, number] {
  if (der[offset] !== 0x02) throw malformed(`${name} is not an INTEGER`);
  const len = der[offset + 1];
  if (len === undefined || len === 0 || len >= 0x80) throw malformed(`${name} has a bad length`);
  const start = offset + 2;
  const end = start + len;
  if (end > der.length) throw malformed(`${name} is truncated`);
  const first = der[start]!;
  if ((first & 0x80) !== 0) throw malformed(`${name} is negative`);
  if (first === 0 && len > 1 && (der[start + 1]! & 0x80) === 0) throw malformed(`${name} is not minimally encoded`);
  const value = bytesToBigint(der.subarray(start, end));
  if (value === 0n) throw malformed(`${name} is zero`);
  if (value >= P256_ORDER) throw malformed(`${name} is not below the curve order`);
  return [value, end];
}

/**
 * Parses a DER ECDSA signature strictly: one SEQUENCE, two positive minimal
 * INTEGERs below the order, no trailing bytes.
 * @throws SignatureError SIGNATURE_MALFORMED
 */
export function parseEcdsaSignature(der: Uint8Array): EcdsaSignatureParts {
  if (der.length < 8 || der.length > P256_SIGNATURE_BYTES_MAX) throw malformed(`length ${der.length} is out of range`);
  if (der[0] !== 0x30) throw malformed('not a SEQUENCE');
  const bodyLen = der[1]!;
  if (bodyLen >= 0x80 || bodyLen + 2 !== der.length) throw malformed('SEQUENCE length does not match');
  const [r, afterR] = readInteger(der, 2, 'r');
  const [s, afterS] = readInteger(der, afterR, 's');
  if (afterS !== der.length) throw malformed('trailing bytes');
  return { r, s };
}

export function encodeEcdsaSignature(parts: EcdsaSignatureParts): Uint8Array {
  return derSequence(derUnsignedInteger(bigintToBytes(parts.r)), derUnsignedInteger(bigintToBytes(parts.s)));
}

export function isLowS(s: bigint): boolean {
  return s <= P256_HALF_ORDER;
}

/** The low-S form of a valid signature (s' = n - s); the same bytes if already low. */
export function toLowS(der: Uint8Array): Uint8Array {
  const parts = parseEcdsaSignature(der);
  if (isLowS(parts.s)) return der;
  return encodeEcdsaSignature({ r: parts.r, s: P256_ORDER - parts.s });
}
