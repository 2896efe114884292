/**
 * What MemoryBlockFileStore adds for simulations: injected append faults
 * that append nothing and stop the store, and crashes that keep every
 * acknowledged record and tear the append in flight as a real crash can.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, rngIntBelow } from '../src/core/rng.js';
import {
  MemoryBlockFileDisk, MemoryBlockFileStore,
  type BlockFileAppended, type BlockFileCrash, type BlockFilePosition, type BlockFileStore,
} from '../src/store/block-files.js';

const START: BlockFilePosition = { file: 0, offset: 0 };
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

function payloadOf(seed: number, length: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length }, () => 1 + rngIntBelow(rng, 255));
}

interface Scanned { payloads: string[]; torn?: string }

async function scanned(store: BlockFileStore): Promise<Scanned> {
  const out: Scanned = { payloads: [] };
  for await (const item of store.scan(START)) {
    if ('torn' in item) out.torn = `${item.torn.file}:${item.torn.offset}:${item.reason}`;
    else out.payloads.push(hex(item.payload));
  }
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

async function appendAll(store: BlockFileStore, payloads: readonly Uint8Array[]): Promise<BlockFileAppended[]> {
  const out: BlockFileAppended[] = [];
  for (const p of payloads) out.push(await store.append(p));
  return out;
}

/** Appends `payloads`, starts one more and crashes while it is in flight. */
async function crashDuring(payloads: readonly Uint8Array[], inFlight: Uint8Array, tear: BlockFileCrash, fileBytesMax?: number): Promise<{ disk: MemoryBlockFileDisk; spans: BlockFileAppended[]; code: Promise<string | undefined> }> {
  const store = new MemoryBlockFileStore({ fileBytesMax });
  const spans = await appendAll(store, payloads);
  const pending = store.append(inFlight);
  const disk = store.crash(tear);
  return { disk, spans, code: codeOf(pending) };
}

describe('MemoryBlockFileStore faults', () => {
  it('fails the chosen append with BLOCK_FILE_WRITE_FAULT, appends nothing, and takes no more writes', async () => {
    const store = new MemoryBlockFileStore({ faults: { failAppendAt: 3 } });
    const spans = await appendAll(store, [payloadOf(1, 10), payloadOf(2, 10)]);
    const end = store.end();
    expect(await codeOf(store.append(payloadOf(3, 10)))).toBe('BLOCK_FILE_WRITE_FAULT');
    expect(store.appendCount).toBe(3);
    expect(store.end()).toEqual(end);
    expect((await scanned(store)).payloads).toHaveLength(2);
    expect(hex(await store.read(spans[1]!))).toBe(hex(payloadOf(2, 10)));
    expect(await codeOf(store.append(payloadOf(4, 10)))).toBe('BLOCK_FILE_FAILED');
    expect(await codeOf(store.truncate(START))).toBe('BLOCK_FILE_FAILED');
    // A clean shutdown has nothing of it; reopened, the store takes appends again.
    const reopened = new MemoryBlockFileStore({ disk: store.diskImage() });
    expect((await scanned(reopened)).payloads).toHaveLength(2);
    await reopened.append(payloadOf(5, 10));
  });

  it('may leave part or all of a failed append for a crash to find', async () => {
    const store = new MemoryBlockFileStore({ faults: { failAppendAt: 2 } });
    await store.append(payloadOf(1, 10));
    expect(await codeOf(store.append(payloadOf(2, 10)))).toBe('BLOCK_FILE_WRITE_FAULT');
    const disk = store.crash('all');
    expect((await scanned(new MemoryBlockFileStore({ disk }))).payloads).toEqual([hex(payloadOf(1, 10)), hex(payloadOf(2, 10))]);
  });

  it('draws probability faults from the seed, reproducibly, and only when set', async () => {
    const failures = async (seed: number) => {
      const store = new MemoryBlockFileStore({ seed, faults: { appendFailureProbability: 0.3 } });
      for (let i = 1; i <= 50; i++) {
        const code = await codeOf(store.append(payloadOf(i, 4)));
        if (code !== undefined) return i;
      }
      return undefined;
    };
    expect(await failures(11)).toBe(await failures(11));
    const never = new MemoryBlockFileStore({ faults: { appendFailureProbability: 0 } });
    await appendAll(never, Array.from({ length: 20 }, (_, i) => payloadOf(i, 3)));
    never.setFaults({ failAppendAt: 22 });
    await never.append(payloadOf(21, 3));
    expect(await codeOf(never.append(payloadOf(22, 3)))).toBe('BLOCK_FILE_WRITE_FAULT');
  });
});

describe('MemoryBlockFileStore crashes', () => {
  it('keeps every acknowledged append when nothing is in flight, and closes the store', async () => {
    const store = new MemoryBlockFileStore({ fileBytesMax: 64 });
    const payloads = [1, 2, 3, 4].map((s) => payloadOf(s, 30));
    await appendAll(store, payloads);
    const disk = store.crash();
    expect(await codeOf(store.append(payloadOf(9, 1)))).toBe('BLOCK_FILE_CLOSED');
    expect(() => store.crash()).toThrow(expect.objectContaining({ code: 'BLOCK_FILE_CLOSED' }));
    expect(await scanned(new MemoryBlockFileStore({ disk }))).toEqual({ payloads: payloads.map(hex) });
  });

  it.each([
    ['none', 'none', undefined, 0],
    ['all', 'all', undefined, 1],
    ['a short header', { keptBytes: 5 }, '0:18:short-header', 0],
    ['a header without its payload', { keptBytes: 8 }, '0:18:short-payload', 0],
    ['a payload cut short', { keptBytes: 17 }, '0:18:short-payload', 0],
    ['a header then zeros', { keptBytes: 8, tail: 'zeros', tailBytes: 10 }, '0:18:checksum', 0],
    ['zeros only', { keptBytes: 0, tail: 'zeros', tailBytes: 18 }, '0:18:bad-length', 0],
    ['garbage after a prefix', { keptBytes: 3, tail: 'garbage', tailBytes: 15 }, '0:18:', 0],
  ] as const)('tears the append in flight: %s', async (_case, tear, torn, extra) => {
    const { disk, code } = await crashDuring([payloadOf(1, 10)], payloadOf(2, 10), tear);
    expect(await code).toBe('BLOCK_FILE_CLOSED'); // never acknowledged
    const result = await scanned(new MemoryBlockFileStore({ disk }));
    expect(result.payloads).toEqual([payloadOf(1, 10), payloadOf(2, 10)].slice(0, 1 + extra).map(hex));
    if (torn === undefined) expect(result.torn).toBeUndefined();
    else expect(result.torn).toMatch(new RegExp(`^${torn}`));
  });

  it('leaves the new file an append opened empty or absent when nothing of the record survived', async () => {
    const payloads = [payloadOf(1, 40)];
    const kept = await crashDuring(payloads, payloadOf(2, 40), { keptBytes: 0, keepNewFile: true }, 64);
    const gone = await crashDuring(payloads, payloadOf(2, 40), { keptBytes: 0, keepNewFile: false }, 64);
    expect(kept.disk.files.map((f) => f.length)).toEqual([48, 0]);
    expect(gone.disk.files.map((f) => f.length)).toEqual([48]);
    expect(new MemoryBlockFileStore({ disk: kept.disk }).end()).toEqual({ file: 1, offset: 0 });
    expect(new MemoryBlockFileStore({ disk: gone.disk }).end()).toEqual({ file: 0, offset: 48 });
    const torn = await crashDuring(payloads, payloadOf(2, 40), { keptBytes: 20 }, 64);
    expect(torn.disk.files.map((f) => f.length)).toEqual([48, 20]);
  });

  it('refuses a tear longer than the record (a test bug)', async () => {
    const store = new MemoryBlockFileStore();
    const pending = store.append(payloadOf(1, 4));
    expect(() => store.crash({ keptBytes: 10, tail: 'zeros', tailBytes: 3 })).toThrow(/at most the record/);
    await pending;
  });

  it('tears at random reproducibly from the seed', async () => {
    const image = async (seed: number) => {
      const store = new MemoryBlockFileStore({ seed });
      await appendAll(store, [payloadOf(1, 50), payloadOf(2, 50)]);
      const pending = store.append(payloadOf(3, 50));
      const disk = store.crash('random');
      await codeOf(pending);
      return disk.files.map(hex);
    };
    expect(await image(5)).toEqual(await image(5));
    const images = new Set(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (s) => JSON.stringify(await image(s)))));
    expect(images.size).toBeGreaterThan(1);
  });

  it('copies the files a disk is built from', async () => {
    const file = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), Buffer.from([7])]);
    const disk = new MemoryBlockFileDisk([file]);
    file.fill(0);
    expect(hex(disk.files[0]!)).toBe('000000010000000007');
  });

  it('property: appends then a crash tearing the last at any byte leave exactly the acknowledged records, then possibly torn', async () => {
    const run = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 0, maxLength: 10 }),
      last: fc.integer({ min: 1, max: 100 }),
      fileBytesMax: fc.constantFrom(32, 100, 500, 10_000),
      keep: fc.double({ min: 0, max: 1, noNaN: true }),
      tail: fc.constantFrom('zeros', 'garbage'),
      tailShare: fc.double({ min: 0, max: 1, noNaN: true }),
      keepNewFile: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    });
    await fc.assert(fc.asyncProperty(run, async (r) => {
      const payloads = r.sizes.map((n, i) => payloadOf(r.seed + i, n));
      const last = payloadOf(r.seed + 1000, r.last);
      const recordBytes = 8 + r.last;
      const keptBytes = Math.min(recordBytes, Math.floor(r.keep * (recordBytes + 1)));
      const tailBytes = Math.min(recordBytes - keptBytes, Math.floor(r.tailShare * (recordBytes - keptBytes + 1)));
      const { disk, code } = await crashDuring(payloads, last, { keptBytes, tail: r.tail, tailBytes, keepNewFile: r.keepNewFile }, r.fileBytesMax);
      expect(await code).toBe('BLOCK_FILE_CLOSED');
      const store = new MemoryBlockFileStore({ disk, fileBytesMax: r.fileBytesMax });
      const result = await scanned(store);
      // Payload bytes are never zero, so a zero tail never completes the record; garbage would by a 2^-32 fluke.
      const survived = keptBytes === recordBytes;
      expect(result.payloads).toEqual([...payloads, ...(survived ? [last] : [])].map(hex));
      expect(result.torn !== undefined).toBe(!survived && keptBytes + tailBytes > 0);
    }), { numRuns: 300 });
  });
});
