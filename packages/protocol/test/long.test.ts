import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Long from 'long';
import { DecodeError, common, google, longToBigInt, longToNumber, timestampFromMs, timestampToMs, toUnsignedLong } from '../src/index.js';

function decodedNumber(value: bigint): number | Long {
  return common.BlockHeader.decode(common.BlockHeader.encode({ number: toUnsignedLong(value) }).finish()).number;
}

describe('64-bit integers', () => {
  it('round-trips every uint64 through the wire', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
      expect(longToBigInt(decodedNumber(v))).toBe(v);
    }));
  });

  it('reads signed int64 fields with their sign', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      const decoded = google.protobuf.Timestamp.decode(google.protobuf.Timestamp.encode({ seconds: Long.fromString(v.toString()) }).finish());
      expect(longToBigInt(decoded.seconds)).toBe(v);
    }));
  });

  it('gives a number only when it is exact', () => {
    expect(longToNumber(decodedNumber(2n ** 53n - 1n))).toBe(2 ** 53 - 1);
    expect(longToNumber(null)).toBe(0);
    expect(longToNumber(12)).toBe(12);
    for (const unsafe of [2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const e = (() => {
        try {
          longToNumber(decodedNumber(unsafe), 'number');
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).code).toBe('INTEGER_OUT_OF_RANGE');
    }
  });

  it('refuses to build a uint64 from what is not one', () => {
    expect(() => toUnsignedLong(-1n)).toThrow(RangeError);
    expect(() => toUnsignedLong(2n ** 64n)).toThrow(RangeError);
    expect(() => toUnsignedLong(1.5)).toThrow(RangeError);
    expect(toUnsignedLong(2n ** 64n - 1n).toString()).toBe('18446744073709551615');
    expect(toUnsignedLong(7).unsigned).toBe(true);
  });
});

describe('timestamps', () => {
  it('round-trips Unix milliseconds, before and after the epoch', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), (ms) => {
      const ts = google.protobuf.Timestamp.decode(google.protobuf.Timestamp.encode(timestampFromMs(ms)).finish());
      expect(ts.nanos).toBeGreaterThanOrEqual(0);
      expect(ts.nanos).toBeLessThan(1e9);
      expect(timestampToMs(ts)).toBe(ms);
    }));
  });

  it('drops sub-millisecond nanoseconds and reads an absent timestamp as the epoch', () => {
    expect(timestampToMs({ seconds: 2, nanos: 999_999 })).toBe(2000);
    expect(timestampToMs({ seconds: 2, nanos: 1_999_999 })).toBe(2001);
    expect(timestampToMs(undefined)).toBe(0);
    expect(timestampFromMs(1_500)).toMatchObject({ nanos: 500_000_000 });
    expect(() => timestampToMs({ seconds: Long.MAX_VALUE })).toThrow(DecodeError);
  });
});
