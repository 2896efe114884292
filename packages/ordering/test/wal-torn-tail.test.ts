/**
 * A torn last save, cut at every byte offset of its record, with or without
 * zeros or garbage after the cut, recovers the log exactly as it was before
 * that save; a whole record followed by garbage recovers it with the save.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '@alliance/ledger';
import { MemoryWalDisk, RaftLogStore, type RaftLogSave } from '../src/wal/index.js';
import { logImage, nextSave } from '../src/wal/wal-workload.js';
import { harnesses, type Files, type WalHarness } from './wal-harness.js';

/** The segment the last save wrote to and where its record starts, from the files before and after it. */
function lastRecord(before: Files, after: Files): { name: string; start: number; end: number } {
  for (const [name, bytes] of after) {
    if (!name.startsWith('wal-')) continue;
    const old = before.get(name)?.length ?? 0;
    if (bytes.length > old) return { name, start: old, end: bytes.length };
  }
  throw new Error('the last save wrote no segment');
}

/** Saves `count` workload saves; returns the files and image before the last, and the files after it. */
async function workload(store: RaftLogStore, files: () => Promise<Files>, seed: number, count: number) {
  const rng = createRng(seed);
  let save: RaftLogSave = {};
  for (let i = 0; i < count - 1; i++) await store.save(nextSave(rng, store));
  // The last save carries entries, so that it writes a record.
  do save = nextSave(rng, store); while (!save.entries?.length || save.snapshot !== undefined);
  const before = await files();
  const imageBefore = logImage(store);
  await store.save(save);
  return { before, imageBefore, after: await files(), imageAfter: logImage(store) };
}

describe.each(harnesses)('torn tail at every byte offset of the last record: %s', (_name, makeHarness) => {
  let h: WalHarness;
  afterEach(async () => { await h.cleanup(); });

  it('recovers the log as it was before the torn save, and saves on after it', async () => {
    h = await makeHarness();
    let store = await h.open({ segmentBytesMax: 2048 });
    const { before, imageBefore, after, imageAfter } = await workload(store, () => h.files(), 4, 25);
    await store.close();
    const rec = lastRecord(before, after);
    for (let cut = rec.start; cut < rec.end; cut++) {
      const files = new Map(after);
      files.set(rec.name, after.get(rec.name)!.subarray(0, cut));
      await h.replace(files);
      store = await h.open();
      expect(logImage(store), `cut at ${cut} (record ${rec.start}..${rec.end})`).toBe(imageBefore);
      if (cut > rec.start) expect(store.recovery.torn).toMatchObject({ segment: rec.name, offset: rec.start });
      await store.close();
    }
    // The whole record with garbage after it: the save is there, the garbage is cut.
    const files = new Map(after);
    files.set(rec.name, Buffer.concat([after.get(rec.name)!, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]));
    await h.replace(files);
    store = await h.open();
    expect(logImage(store)).toBe(imageAfter);
    await store.close();
    // Cut inside the record, then save on: the new save lands where the torn one was, and survives a restart.
    const cutFiles = new Map(after);
    cutFiles.set(rec.name, after.get(rec.name)!.subarray(0, rec.start + 5));
    await h.replace(cutFiles);
    store = await h.open();
    const next = store.lastIndex() + 1;
    await store.save({ entries: [{ term: store.hardState().term, index: next, type: 0, data: Uint8Array.of(42) }] });
    const image = logImage(store);
    await store.close();
    store = await h.open();
    expect(logImage(store)).toBe(image);
    expect(store.recovery.torn).toBeUndefined();
    await store.close();
  });
});

describe('torn tail property (simulated disk)', () => {
  it('any workload, any cut of its last record, any junk after the cut: the log before that save', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.constantFrom('none', 'zeros', 'garbage'), fc.integer({ min: 1, max: 300 }),
      async (seed, count, cutDraw, junk, junkBytes) => {
        const disk = new MemoryWalDisk();
        const store = await RaftLogStore.openDisk(disk, { segmentBytesMax: 1024 });
        const { before, imageBefore, after } = await workload(store, async () => disk.files(), seed, count);
        await store.close();
        const rec = lastRecord(before, after);
        const cut = rec.start + (cutDraw % (rec.end - rec.start));
        const tail = junk === 'none' ? new Uint8Array(0)
          : junk === 'zeros' ? new Uint8Array(Math.min(junkBytes, rec.end - cut)) : Uint8Array.from({ length: junkBytes }, (_, i) => (i * 131 + seed) & 0xff);
        const files = new Map(after);
        files.set(rec.name, Buffer.concat([after.get(rec.name)!.subarray(0, cut), tail]));
        const reopened = await RaftLogStore.openDisk(new MemoryWalDisk(files));
        expect(logImage(reopened)).toBe(imageBefore);
        await reopened.close();
      },
    ), { numRuns: 150 });
  });
});
