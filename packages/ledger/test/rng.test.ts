import { describe, expect, it } from 'vitest';
import { createRng, rngIntBelow } from '../src/core/rng.js';

describe('createRng', () => {
  it('repeats a stream for a seed and differs between seeds', () => {
    const take = (seed: number) => { const r = createRng(seed); return Array.from({ length: 20 }, () => r.next()); };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(0)).not.toEqual(take(1));
  });

  it('yields numbers in [0, 1), spread evenly', () => {
    const r = createRng(1);
    const buckets = new Array<number>(10).fill(0);
    let min = 1, max = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      buckets[Math.floor(x * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('rngIntBelow stays in [0, n) and reaches both ends', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rngIntBelow(r, 7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
