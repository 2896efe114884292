/**
 * Seeded randomness for simulations and fault injection. The core never
 * calls Math.random(): whoever needs chance takes an `Rng`, so a failing run
 * is reproduced by its seed alone.
 */

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  next(): number;
}

// splitmix32 spreads a small or patterned seed over the 128-bit state, so
// seeds 1, 2, 3 give unrelated streams (xoshiro must not start at all zeros).
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * xoshiro128** seeded from a 32-bit integer: fast, 2^128 - 1 period, and
 * good enough for choosing faults and workloads (not for keys or nonces).
 */
export function createRng(seed: number): Rng {
  const mix = splitmix32(seed);
  let a = mix(), b = mix(), c = mix(), d = mix();
  if ((a | b | c | d) === 0) a = 1;
  return {
    next(): number {
      const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      const t = b << 9;
      c ^= a; d ^= b; b ^= c; a ^= d;
      c ^= t;
      d = rotl(d, 11);
      return result / 0x1_0000_0000;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniform integer in [0, n); n must be a positive integer no larger than 2^32. */
export function rngIntBelow(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
