/**
 * 64-bit integers and timestamps as protobufjs hands them over: int64 and
 * uint64 fields decode as `Long` (or as a plain number when they were set
 * from one), and an encoder writes a BigInt as 0 without a word. Every
 * conversion between our `number`/`bigint` and the wire goes through here.
 */
import Long from 'long';
import { DecodeError } from './errors.js';
import type { google } from './messages.js';

const UINT64_LIMIT = 1n << 64n;
const MS_PER_SECOND = 1000;
const NANOS_PER_MS = 1_000_000;

/**
 * A decoded 64-bit field as a number.
 * @throws DecodeError INTEGER_OUT_OF_RANGE when the value is not a safe integer
 */
export function longToNumber(value: number | Long | null | undefined, field = 'value'): number {
  if (value === null || value === undefined) return 0;
  // Fast path, the common case (versions, block numbers): non-negative and below 2^53.
  if (typeof value !== 'number' && (value.unsigned || value.high >= 0) && (value.high >>> 0) < 0x200000) return value.toNumber();
  const n = typeof value === 'number' ? value : value.toNumber();
  // toNumber rounds above 2^53: judge the exact value, not the rounded one.
  const safe = typeof value === 'number'
    ? Number.isSafeInteger(value)
    : Number.isSafeInteger(n) && BigInt(n) === longToBigInt(value);
  if (!safe) {
    throw new DecodeError('INTEGER_OUT_OF_RANGE', `${field} is not a safe integer`, {
      field, value: typeof value === 'number' ? value : value.toString(),
    });
  }
  return n;
}

/**
 * A decoded 64-bit field as a bigint, exactly (signed or unsigned as the field is).
 * @throws RangeError when given a number that is not an integer
 */
export function longToBigInt(value: number | Long | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
    return BigInt(value);
  }
  const magnitude = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? magnitude : BigInt.asIntN(64, magnitude);
}

/**
 * An unsigned Long for a uint64 field, from a bigint or a safe integer.
 * @throws RangeError when the value is negative, not an integer or above 2^64 - 1
 */
export function toUnsignedLong(value: bigint | number): Long {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  const v = BigInt(value);
  if (v < 0n || v >= UINT64_LIMIT) throw new RangeError(`not a uint64: ${v}`);
  return Long.fromBits(Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0, true);
}

/** A signed Long for an int64 field, from a safe integer. */
function toSignedLong(value: number): Long {
  return Long.fromNumber(value, false);
}

/**
 * A google.protobuf.Timestamp for a Unix time in milliseconds.
 * @throws RangeError when `ms` is not a safe integer
 */
export function timestampFromMs(ms: number): google.protobuf.ITimestamp {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not a safe integer of milliseconds: ${ms}`);
  const seconds = Math.floor(ms / MS_PER_SECOND);
  return { seconds: toSignedLong(seconds), nanos: (ms - seconds * MS_PER_SECOND) * NANOS_PER_MS };
}

/**
 * Unix milliseconds of a decoded Timestamp (nanoseconds below a millisecond
 * are dropped; an absent timestamp is the epoch, as proto3 reads it).
 * @throws DecodeError INTEGER_OUT_OF_RANGE when the seconds do not fit a safe number of milliseconds
 */
export function timestampToMs(timestamp: google.protobuf.ITimestamp | null | undefined): number {
  if (!timestamp) return 0;
  const seconds = longToNumber(timestamp.seconds, 'timestamp.seconds');
  const ms = seconds * MS_PER_SECOND + Math.floor((timestamp.nanos ?? 0) / NANOS_PER_MS);
  if (!Number.isSafeInteger(ms)) {
    throw new DecodeError('INTEGER_OUT_OF_RANGE', 'timestamp is out of range', { field: 'timestamp', seconds });
  }
  return ms;
}
