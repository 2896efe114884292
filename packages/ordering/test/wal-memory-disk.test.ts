/**
 * What the simulated disk adds for simulations, and the store's answers to
 * it: a crash at every operation of a save that carries a snapshot leaves
 * the old snapshot or the new one, never a broken one, and loses no save
 * that resolved; an injected I/O failure stops the store until it is
 * reopened; unsynced data is torn, synced data never is.
 */
import { describe, expect, it } from 'vitest';
import { MemoryWalDisk, RaftLogStore, segmentName, snapshotName, type WalCrashMode } from '../src/wal/index.js';
import { logImage, modelOf } from '../src/wal/wal-workload.js';
import { codeOf, entries } from './wal-harness.js';

const snap = (index: number, term: number, byte: number) => ({ metadata: { index, term, conf: { voters: [1], learners: [] } }, data: new Uint8Array(64).fill(byte) });

/** A disk holding a log with a snapshot at 3 and entries up to 10, and the store's image of it. */
async function prepared(): Promise<{ files: Map<string, Uint8Array>; image: string }> {
  const disk = new MemoryWalDisk();
  const store = await RaftLogStore.openDisk(disk, { segmentBytesMax: 300 });
  await store.save({ hardState: { term: 1, vote: 1, commit: 8 }, entries: entries(1, 10, 1, 30) });
  await store.save({ snapshot: snap(3, 1, 0xaa) });
  const image = logImage(store);
  await store.close();
  return { files: disk.files(), image };
}

describe('MemoryWalDisk and the store under its faults', () => {
  it('a crash at any operation of a snapshot save leaves the old snapshot or the new one, and the log before or after', async () => {
    const { files, image: before } = await prepared();
    // The save's operations, counted on a disk that does not crash.
    const probe = new MemoryWalDisk(files);
    const s = await RaftLogStore.openDisk(probe, { segmentBytesMax: 300 });
    const opsBefore = probe.opCount;
    await s.save({ hardState: { term: 1, vote: 1, commit: 9 }, snapshot: snap(7, 1, 0xbb), entries: entries(11, 1, 1) });
    const after = logImage(s);
    const model = modelOf(await RaftLogStore.openDisk(new MemoryWalDisk(files)));
    model.save({ snapshot: snap(7, 1, 0xbb) });
    const fileOnly = logImage(model);
    const ops = probe.opCount - opsBefore;
    expect(ops).toBeGreaterThanOrEqual(7); // create, append, sync, rename, syncDir of the file; append, sync of the record
    const seen = new Set<string>();
    for (let op = 1; op <= ops; op++) {
      for (const mode of ['random', 'lose-unsynced', 'keep-unsynced'] as WalCrashMode[]) {
        for (let seed = 1; seed <= 4; seed++) {
          const disk = new MemoryWalDisk(files, { seed, crashAtOp: opsBefore + op, crashMode: mode });
          const store = await RaftLogStore.openDisk(disk, { segmentBytesMax: 300 });
          const code = await codeOf(() => store.save({ hardState: { term: 1, vote: 1, commit: 9 }, snapshot: snap(7, 1, 0xbb), entries: entries(11, 1, 1) }));
          expect(code, `op ${op}`).toBe('WAL_IO_FAILED');
          const reopened = await RaftLogStore.openDisk(disk.crashedImage());
          const got = logImage(reopened);
          const snapIndex = reopened.snapshot().metadata.index;
          expect([3, 7]).toContain(snapIndex);
          expect(reopened.snapshot().data[0]).toBe(snapIndex === 3 ? 0xaa : 0xbb);
          // The new snapshot without its WAL record: the old log after index 7 and the old hard state.
          expect([before, after, fileOnly]).toContain(got);
          seen.add(got === before ? 'old' : got === after ? 'new' : 'file-only');
          expect([...disk.crashedImage().files().keys()].filter((n) => n.startsWith('snap-') && !n.endsWith('.tmp')).length).toBeGreaterThan(0);
          await reopened.close();
        }
      }
    }
    expect(seen).toContain('old');
    expect(seen).toContain('new');
    expect(seen).toContain('file-only');
  });

  it('a save is one append and one sync; a roll adds a create and a directory sync', async () => {
    const disk = new MemoryWalDisk();
    const store = await RaftLogStore.openDisk(disk, { segmentBytesMax: 300 });
    const ops = async (save: Parameters<RaftLogStore['save']>[0]) => { const before = disk.opCount; await store.save(save); return disk.opCount - before; };
    expect(await ops({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 5, 1, 10) })).toBe(2);
    expect(await ops({ hardState: { term: 1, vote: 1, commit: 3 } })).toBe(2);
    expect(await ops({ entries: entries(6, 1, 1, 400) })).toBe(4);
    expect(store.segmentNames()).toHaveLength(2);
  });

  it('an injected I/O failure stops the store (WAL_FAILED) until it is reopened, and loses nothing saved before', async () => {
    const { files, image } = await prepared();
    const disk = new MemoryWalDisk(files, { failAtOp: 1 });
    const store = await RaftLogStore.openDisk(disk, { segmentBytesMax: 300 });
    expect(await codeOf(() => store.save({ entries: entries(11, 1, 1) }))).toBe('WAL_IO_FAILED');
    expect(await codeOf(() => store.save({ entries: entries(11, 1, 1) }))).toBe('WAL_FAILED');
    expect(logImage(store)).toBe(image);
    const reopened = await RaftLogStore.openDisk(disk);
    expect(logImage(reopened)).toBe(image);
    await reopened.save({ entries: entries(11, 1, 1) });
    expect(reopened.lastIndex()).toBe(11);
  });

  it('a crash keeps synced bytes and directory operations up to the last syncDir, and tears the rest', async () => {
    const disk = new MemoryWalDisk(new Map(), { seed: 3 });
    await disk.create('a');
    await disk.append('a', [Uint8Array.of(1, 2, 3)]);
    await disk.sync('a');
    await disk.syncDir();
    await disk.append('a', [new Uint8Array(100).fill(7)]);
    await disk.create('b');
    const lost = disk.crash('lose-unsynced');
    expect([...lost.files().keys()]).toEqual(['a']);
    expect(lost.files().get('a')).toEqual(Uint8Array.of(1, 2, 3));
    expect(await codeOf(() => disk.append('a', [Uint8Array.of(1)]))).toBe('WAL_IO_FAILED');
    const kept = new MemoryWalDisk(disk.files()).crash('keep-unsynced');
    expect(kept.files().get('a')).toHaveLength(103);
    // Random tears: the synced prefix always survives, the size never exceeds what was written.
    for (let seed = 1; seed <= 50; seed++) {
      const d = new MemoryWalDisk(new Map([['a', Uint8Array.of(1, 2, 3)]]), { seed });
      await d.append('a', [new Uint8Array(100).fill(7)]);
      const a = d.crash().files().get('a')!;
      expect(a.length).toBeGreaterThanOrEqual(3);
      expect(a.length).toBeLessThanOrEqual(103);
      expect([...a.subarray(0, 3)]).toEqual([1, 2, 3]);
    }
    expect(segmentName(1)).toBe('wal-0000000000000001.log');
    expect(snapshotName(255)).toBe('snap-00000000000000ff.snap');
  });
});
