import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, keyInRange } from '../src/index.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const byteOrder = (a: string, b: string): number => sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

// Characters around the places where UTF-16 and UTF-8 order part ways.
const tricky = fc.constantFrom('\0', 'a', 'z', '\x7f', '\u0080', '\u07ff', '\ud7ff', '\ue000', '\uff01', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}');

describe('compareKeys', () => {
  it('orders as the UTF-8 bytes, which JavaScript < does not above U+FFFF', () => {
    expect(compareKeys('\uff01', '\u{1f600}')).toBeLessThan(0);
    expect('\uff01' < '\u{1f600}').toBe(false);
    expect(compareKeys('k\u{1f600}', 'k\uffff')).toBeGreaterThan(0);
    expect(compareKeys('\ue000', '\ud7ff')).toBeGreaterThan(0);
  });

  it('orders ASCII, prefixes and composite keys', () => {
    expect(compareKeys('a', 'b')).toBeLessThan(0);
    expect(compareKeys('ab', 'a')).toBeGreaterThan(0);
    expect(compareKeys('', 'a')).toBeLessThan(0);
    expect(compareKeys('same', 'same')).toBe(0);
    expect(compareKeys('\0asset\0a1\0', '\0asset\0a10\0')).toBeLessThan(0);
    expect(compareKeys('\0asset\0', '\0b\0')).toBeLessThan(0);
    expect(['b', '\u{1f600}', 'a\0', 'a', '\uff01'].sort(compareKeys)).toEqual(['a', 'a\0', 'b', '\uff01', '\u{1f600}']);
  });

  it('agrees with Buffer.compare on any Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      expect(sign(compareKeys(a, b))).toBe(byteOrder(a, b));
    }), { numRuns: 2000 });
  });

  it('agrees with Buffer.compare where UTF-16 and UTF-8 differ', () => {
    fc.assert(fc.property(fc.string({ unit: tricky, maxLength: 6 }), fc.string({ unit: tricky, maxLength: 6 }), (a, b) => {
      expect(sign(compareKeys(a, b))).toBe(byteOrder(a, b));
      expect(sign(compareKeys(b, a))).toBe(byteOrder(b, a));
    }), { numRuns: 2000 });
  });

  it('is a total order on lone surrogates too (no UTF-8 form, but deterministic)', () => {
    const keys = ['\ud800', '\udc00', '\ue000', '\uffff', '\u{10000}', 'a'];
    const sorted = keys.slice().sort(compareKeys);
    expect(sorted.slice().sort(compareKeys)).toEqual(sorted);
    for (const a of keys) for (const b of keys) expect(sign(compareKeys(a, b)) + sign(compareKeys(b, a))).toBe(0);
  });
});

describe('keyInRange', () => {
  it('is [start, end) with an empty end open', () => {
    expect(keyInRange('a', 'a', 'b')).toBe(true);
    expect(keyInRange('b', 'a', 'b')).toBe(false);
    expect(keyInRange('zzz', 'a', '')).toBe(true);
    expect(keyInRange('', '', '')).toBe(true);
    expect(keyInRange('\u{1f600}', '\ud7ff', '\ue000')).toBe(false);
    expect(keyInRange('\u{1f600}', '\uffff', '')).toBe(true);
  });
});
