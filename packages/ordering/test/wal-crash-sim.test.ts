/**
 * Seeded crashes on the simulated disk: a workload of saves (appends,
 * conflicting suffixes, commits, snapshots kept and discarding) runs until
 * the disk crashes at a seeded operation, tearing what was not synced; the
 * log reopened on what survived must be the log after every save that
 * resolved, plus or minus the save in flight (or, when the crash fell
 * between its snapshot file and its WAL record, that save's snapshot
 * alone). A failing seed prints itself.
 */
import { describe, expect, it } from 'vitest';
import { createRng, rngIntBelow } from '@alliance/ledger';
import { MemoryWalDisk, RaftLogStore, type RaftLogSave } from '../src/wal/index.js';
import { logImage, modelOf, nextSave, WorkloadModel } from '../src/wal/wal-workload.js';
import { crashImages } from './wal-harness.js';

const SEEDS = Number(process.env.WAL_SIM_SEEDS ?? 100);
/** Lives per seed: each crashes once (the last one closes cleanly). */
const LIVES = 6;
/** A crash lands within this many disk operations of the open. */
const CRASH_OPS_MAX = 120;

const candidates = crashImages;

async function runSeed(seed: number): Promise<{ saves: number; crashes: number; tornCut: number }> {
  const rng = createRng(seed);
  let disk = new MemoryWalDisk(new Map(), { seed, crashAtOp: 1 + rngIntBelow(rng, CRASH_OPS_MAX) });
  let model = new WorkloadModel();
  const stats = { saves: 0, crashes: 0, tornCut: 0 };
  const segmentBytesMax = 512 + rngIntBelow(rng, 4096);
  for (let life = 0; life < LIVES; life++) {
    const last = life === LIVES - 1;
    let store: RaftLogStore;
    try {
      store = await RaftLogStore.openDisk(disk, { segmentBytesMax });
    } catch (err) {
      // The crash fell during open (its tail truncate or first segment): nothing was acknowledged since.
      expect(disk.crashed, `open failed without a crash: ${String(err)}`).toBe(true);
      disk = new MemoryWalDisk(disk.crashedImage().files(), { seed: seed + life, ...(last ? {} : { crashAtOp: 1 + rngIntBelow(rng, CRASH_OPS_MAX) }) });
      stats.crashes++;
      continue;
    }
    expect(candidates(model, undefined)).toContain(logImage(store));
    const work = createRng(seed * 100 + life);
    let inFlight: RaftLogSave | undefined;
    for (let i = 0; i < 60; i++) {
      const save = nextSave(work, store);
      inFlight = save;
      try {
        await store.save(save);
      } catch (err) {
        expect(disk.crashed, `save failed without a crash: ${String(err)}`).toBe(true);
        break;
      }
      model.save(save);
      inFlight = undefined;
      stats.saves++;
      expect(logImage(store)).toBe(logImage(model));
    }
    await store.close();
    const image = disk.crashed ? disk.crashedImage() : disk;
    if (disk.crashed) stats.crashes++;
    const reopenedDisk = new MemoryWalDisk(image.files());
    const reopened = await RaftLogStore.openDisk(reopenedDisk, { segmentBytesMax });
    const got = logImage(reopened);
    if (reopened.recovery.torn) stats.tornCut++;
    const allowed = candidates(model, disk.crashed ? inFlight : undefined);
    expect(allowed, `life ${life}: the recovered log is none of the ${allowed.length} allowed`).toContain(got);
    // Carry on from what was recovered (a model of it), on the surviving files.
    model = modelOf(reopened);
    await reopened.close();
    // Open repairs the tail: go on from the files as the reopened store left them.
    disk = new MemoryWalDisk(reopenedDisk.files(), { seed: seed + life, ...(last ? {} : { crashAtOp: 1 + rngIntBelow(rng, CRASH_OPS_MAX) }) });
  }
  return stats;
}

describe(`durable Raft log under seeded crashes on the simulated disk (${SEEDS} seeds)`, () => {
  it('every resolved save survives, the save in flight is all there or not at all', async () => {
    const totals = { saves: 0, crashes: 0, tornCut: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      try {
        const s = await runSeed(seed);
        totals.saves += s.saves;
        totals.crashes += s.crashes;
        totals.tornCut += s.tornCut;
      } catch (err) {
        throw new Error(`seed ${seed} failed (replay: WAL_SIM_SEEDS=${seed} npx vitest run test/wal-crash-sim.test.ts, from seed 1)\n${(err as Error).message}`, { cause: err });
      }
    }
    // The schedule must reach crashes that leave torn tails.
    expect(totals.crashes).toBeGreaterThan(SEEDS * 3);
    expect(totals.tornCut).toBeGreaterThan(SEEDS / 4);
    expect(totals.saves).toBeGreaterThan(SEEDS * 20);
  });
});
