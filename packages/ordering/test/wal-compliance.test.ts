/**
 * The durable Raft log's compliance suite, run on a real directory
 * (FsWalDisk) and on the simulated disk (MemoryWalDisk): round trips,
 * recovery after restart, conflicting suffixes, reads as etcd's Storage,
 * torn tails, corruption, snapshots and compaction.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Storage } from '../src/core/raft/storage.js';
import { EntryType } from '../src/core/raft/types.js';
import { segmentName, snapshotName, type RaftLogSave, type RaftLogStore } from '../src/wal/index.js';
import { logImage } from '../src/wal/wal-workload.js';
import { codeOf, entries, harnesses, type WalHarness } from './wal-harness.js';

const snap = (index: number, term: number, data = [index & 0xff]) => ({ metadata: { index, term, conf: { voters: [1, 2, 3], learners: [4] } }, data: Uint8Array.from(data) });

describe.each(harnesses)('RaftLogStore compliance: %s', (_name, makeHarness) => {
  let h: WalHarness;
  let store: RaftLogStore;
  beforeEach(async () => { h = await makeHarness(); });
  afterEach(async () => { await store?.close(); await h.cleanup(); });

  async function saveAll(saves: readonly RaftLogSave[]): Promise<void> {
    for (const s of saves) await store.save(s);
  }

  it('starts empty, as etcd storage does', async () => {
    store = await h.open();
    expect(store.firstIndex()).toBe(1);
    expect(store.lastIndex()).toBe(0);
    expect(store.term(0)).toBe(0);
    expect(store.initialState()).toEqual({ hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
    expect(store.snapshot().metadata.index).toBe(0);
    expect(store.entries(1, 1)).toEqual([]);
    expect(await codeOf(async () => store.term(1))).toBe('LOG_UNAVAILABLE');
    expect([...(await h.files()).keys()]).toEqual([segmentName(0)]);
  });

  it('saves entries and hard state, reads them back, and recovers them exactly after a restart', async () => {
    store = await h.open();
    await saveAll([
      { hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 3, 1) },
      { entries: entries(4, 2, 1, 0) },
      { hardState: { term: 1, vote: 1, commit: 4 } },
      { entries: [{ term: 2, index: 6, type: EntryType.CONF_CHANGE, data: Uint8Array.of(9, 9) }] },
    ]);
    expect(store.lastIndex()).toBe(6);
    expect(store.entries(1, 7)).toEqual([...entries(1, 3, 1), ...entries(4, 2, 1, 0), { term: 2, index: 6, type: EntryType.CONF_CHANGE, data: Uint8Array.of(9, 9) }]);
    expect(store.term(6)).toBe(2);
    expect(store.hardState()).toEqual({ term: 1, vote: 1, commit: 4 });
    const before = logImage(store);
    store = await h.reopen(store);
    expect(logImage(store)).toBe(before);
    expect(store.recovery).toEqual({ segments: 1, records: 4 });
  });

  it('an entry at index i replaces everything from i on, live and after a restart', async () => {
    store = await h.open();
    await saveAll([{ hardState: { term: 1, vote: 1, commit: 1 }, entries: entries(1, 5, 1) }, { hardState: { term: 2, vote: 2, commit: 1 }, entries: entries(3, 1, 2) }]);
    expect(store.lastIndex()).toBe(3);
    expect(store.entries(1, 4).map((e) => e.term)).toEqual([1, 1, 2]);
    await store.save({ entries: entries(4, 2, 2) });
    store = await h.reopen(store);
    expect(store.entries(1, 6).map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/2', '4/2', '5/2']);
    expect(store.entries(3, 6)).toEqual([...entries(3, 1, 2), ...entries(4, 2, 2)]);
    expect(store.hardState()).toEqual({ term: 2, vote: 2, commit: 1 });
  });

  it('reads as etcd Storage: ranges, maxBytes, compacted and unavailable', async () => {
    store = await h.open();
    await store.save({ entries: entries(1, 10, 1, 100) });
    expect(store.entries(2, 5, 250).map((e) => e.index)).toEqual([2, 3]);
    expect(store.entries(2, 5, 1).map((e) => e.index)).toEqual([2]); // never fewer than one
    expect(await codeOf(async () => store.entries(5, 12))).toBe('LOG_UNAVAILABLE');
    await store.save({ hardState: { term: 1, vote: 0, commit: 6 }, snapshot: snap(4, 1) });
    expect(store.firstIndex()).toBe(5);
    expect(store.term(4)).toBe(1);
    expect(await codeOf(async () => store.term(3))).toBe('LOG_COMPACTED');
    expect(await codeOf(async () => store.entries(4, 6))).toBe('LOG_COMPACTED');
    expect(store.entries(5, 11).map((e) => e.index)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('a save with nothing in it writes nothing', async () => {
    store = await h.open();
    await store.save({ entries: [] });
    expect((await h.files()).get(segmentName(0))).toHaveLength(0);
  });

  it('a snapshot releases the entries it covers, older snapshot files and old segments, and is recovered', async () => {
    store = await h.open({ segmentBytesMax: 400 });
    for (let i = 1; i <= 30; i++) await store.save({ hardState: { term: 1, vote: 1, commit: i - 1 }, entries: entries(i, 1, 1, 40) });
    expect(store.segmentNames().length).toBeGreaterThan(5);
    await store.save({ snapshot: snap(10, 1) });
    await store.save({ snapshot: snap(25, 1) });
    const files = [...(await h.files()).keys()];
    expect(files.filter((n) => n.startsWith('snap-'))).toEqual([snapshotName(25)]);
    expect(store.segmentNames().length).toBeLessThanOrEqual(4);
    expect(store.segmentNames()[0]).not.toBe(segmentName(0));
    expect(files.filter((n) => n.startsWith('wal-'))).toEqual(store.segmentNames());
    expect(store.firstIndex()).toBe(26);
    expect(store.entries(26, 31)).toEqual(Array.from({ length: 5 }, (_, k) => entries(26 + k, 1, 1, 40)[0]));
    const before = logImage(store);
    store = await h.reopen(store);
    expect(logImage(store)).toBe(before);
    expect(store.initialState()).toEqual({ hardState: { term: 1, vote: 1, commit: 29 }, confState: { voters: [1, 2, 3], learners: [4] } });
    await store.save({ entries: entries(31, 1, 1) });
    store = await h.reopen(store);
    expect(store.lastIndex()).toBe(31);
  });

  it("a leader's snapshot the log does not match discards the log, and the discarded entries stay gone after a restart", async () => {
    store = await h.open();
    await store.save({ hardState: { term: 1, vote: 1, commit: 2 }, entries: entries(1, 8, 1) });
    await store.save({ hardState: { term: 3, vote: 0, commit: 5 }, snapshot: snap(5, 3) });
    expect(store.lastIndex()).toBe(5);
    expect(await codeOf(async () => store.entries(6, 7))).toBe('LOG_UNAVAILABLE');
    await store.save({ entries: entries(6, 1, 3) });
    store = await h.reopen(store);
    expect(store.firstIndex()).toBe(6);
    expect(store.entries(6, 7)).toEqual(entries(6, 1, 3));
    expect(store.lastIndex()).toBe(6);
    // A matching snapshot keeps what follows it.
    await store.save({ entries: entries(7, 3, 3) });
    await store.save({ snapshot: snap(7, 3) });
    store = await h.reopen(store);
    expect(store.entries(8, 10)).toEqual(entries(8, 2, 3));
  });

  it('a snapshot file whose save crashed before its WAL record is applied as that save would have', async () => {
    store = await h.open();
    await store.save({ hardState: { term: 2, vote: 1, commit: 3 }, entries: entries(1, 6, 2) });
    const other = await makeHarness();
    try {
      // The same snapshot saved elsewhere gives the file as the crashed save wrote it.
      let s2 = await other.open();
      await s2.save({ hardState: { term: 2, vote: 1, commit: 3 }, entries: entries(1, 6, 2) });
      await s2.save({ snapshot: snap(3, 2) });
      const file = (await other.files()).get(snapshotName(3))!;
      await s2.close();
      store = await h.reopen(store, (files) => { files.set(snapshotName(3), file); });
      expect(store.firstIndex()).toBe(4);
      expect(store.entries(4, 7)).toEqual(entries(4, 3, 2));
      // A newer term's snapshot the log does not hold: the log goes, the hard state follows the snapshot.
      s2 = await other.reopen(s2);
      await s2.save({ snapshot: snap(8, 5) });
      const newer = (await other.files()).get(snapshotName(8))!;
      await s2.close();
      store = await h.reopen(store, (files) => { files.set(snapshotName(8), newer); });
      expect(store.lastIndex()).toBe(8);
      expect(store.hardState()).toEqual({ term: 5, vote: 0, commit: 8 });
    } finally {
      await other.cleanup();
    }
  });

  it('a snapshot write cut short (a leftover temporary file) leaves the old snapshot', async () => {
    store = await h.open();
    await store.save({ hardState: { term: 1, vote: 1, commit: 4 }, entries: entries(1, 6, 1) });
    await store.save({ snapshot: snap(2, 1, [1, 2, 3]) });
    store = await h.reopen(store, (files) => { files.set(`${snapshotName(4)}.tmp`, Uint8Array.of(0, 0, 0, 9, 1, 2)); });
    expect(store.snapshot()).toEqual(snap(2, 1, [1, 2, 3]));
    expect([...(await h.files()).keys()].some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('cuts a torn tail: zeros or garbage after the last good record', async () => {
    store = await h.open();
    await store.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 3, 1) });
    const before = logImage(store);
    for (const tail of [new Uint8Array(100), Uint8Array.from({ length: 50 }, (_, i) => (i * 37 + 11) & 0xff), Uint8Array.of(1)]) {
      store = await h.reopen(store, (files) => { const seg = files.get(segmentName(0))!; files.set(segmentName(0), Buffer.concat([seg, tail])); });
      expect(logImage(store)).toBe(before);
      expect(store.recovery.torn).toMatchObject({ segment: segmentName(0), bytes: tail.length });
    }
    await store.save({ entries: entries(4, 1, 1) });
    store = await h.reopen(store);
    expect(store.lastIndex()).toBe(4);
    expect(store.recovery.torn).toBeUndefined();
  });

  it('refuses a damaged record with good records after it in the last segment (WAL_CORRUPT)', async () => {
    store = await h.open();
    for (let i = 1; i <= 3; i++) await store.save({ entries: entries(i, 1, 1, 60) });
    await store.close();
    const pristine = await h.files();
    const seg = segmentName(0);
    const recordBytes = pristine.get(seg)!.length;
    // A flipped byte in the first or the second record, and a cut-short length, each with a good record after it.
    for (const at of [20, 120, 0]) {
      const files = new Map([...pristine].map(([n, b]) => [n, b.slice()]));
      files.get(seg)![at]! ^= 0x40;
      await h.replace(files);
      expect(await codeOf(() => h.open()), `byte ${at} of ${recordBytes}`).toBe('WAL_CORRUPT');
    }
  });

  it('refuses a damaged record in a segment before the last, a missing segment, and a damaged or missing snapshot file', async () => {
    store = await h.open({ segmentBytesMax: 150 });
    for (let i = 1; i <= 6; i++) await store.save({ entries: entries(i, 1, 1, 60) });
    await store.save({ hardState: { term: 1, vote: 0, commit: 1 }, snapshot: snap(1, 1) });
    const segs = store.segmentNames();
    expect(segs.length).toBeGreaterThan(2);
    await store.close();
    const pristine = await h.files();
    const damaged = async (edit: (files: Map<string, Uint8Array>) => void) => {
      const files = new Map([...pristine].map(([n, b]) => [n, b.slice()]));
      edit(files);
      await h.replace(files);
      return codeOf(() => h.open());
    };
    expect(await damaged((files) => { files.get(segs[0]!)![12]! ^= 1; })).toBe('WAL_CORRUPT');
    expect(await damaged((files) => { files.set(segs[0]!, files.get(segs[0]!)!.subarray(0, 30)); })).toBe('WAL_CORRUPT');
    expect(await damaged((files) => { files.delete(segs[1]!); })).toBe('WAL_SEGMENTS_INVALID');
    expect(await damaged((files) => { files.get(snapshotName(1))![15]! ^= 1; })).toBe('SNAPSHOT_CORRUPT');
    expect(await damaged((files) => { files.delete(snapshotName(1)); })).toBe('SNAPSHOT_MISSING');
    await h.replace(pristine);
    store = await h.open();
    expect(store.lastIndex()).toBe(6);
    expect(store.firstIndex()).toBe(2);
  });

  it('rolls segments at the size bound; a record larger than the bound goes alone', async () => {
    store = await h.open({ segmentBytesMax: 400 });
    await store.save({ entries: entries(1, 1, 1, 100) });
    await store.save({ entries: entries(2, 1, 1, 100) });
    await store.save({ entries: entries(3, 1, 1, 1000) });
    await store.save({ entries: entries(4, 1, 1, 10) });
    const sizes = [...(await h.files())].filter(([n]) => n.startsWith('wal-')).map(([, b]) => b.length);
    expect(sizes.length).toBe(3);
    expect(sizes[0]).toBeLessThanOrEqual(400);
    expect(sizes[1]).toBeGreaterThan(1000);
    const before = logImage(store);
    store = await h.reopen(store);
    expect(logImage(store)).toBe(before);
    expect(store.recovery.segments).toBe(3);
  });

  it('keeps the membership the application saved, across segments, snapshots and restarts', async () => {
    store = await h.open({ segmentBytesMax: 300 });
    const conf = { voters: [1, 2, 3, 5], learners: [7] };
    await store.save({ hardState: { term: 1, vote: 1, commit: 2 }, entries: entries(1, 3, 1, 50), confState: conf });
    expect(store.initialState().confState).toEqual(conf);
    for (let i = 4; i <= 12; i++) await store.save({ entries: entries(i, 1, 1, 80) });
    expect(store.segmentNames().length).toBeGreaterThan(2);
    store = await h.reopen(store);
    expect(store.initialState().confState).toEqual(conf);
    // A snapshot brings its own membership; a later save may change it again.
    await store.save({ hardState: { term: 1, vote: 1, commit: 10 }, snapshot: snap(9, 1) });
    expect(store.initialState().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    store = await h.reopen(store);
    expect(store.initialState().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    await store.save({ confState: { voters: [2], learners: [] } });
    await store.save({ entries: entries(13, 1, 1, 200) });
    store = await h.reopen(store);
    expect(store.initialState()).toEqual({ hardState: { term: 1, vote: 1, commit: 10 }, confState: { voters: [2], learners: [] } });
    expect(store.firstIndex()).toBe(10);
  });

  it('is the Raft core\'s Storage', async () => {
    store = await h.open();
    const storage: Storage = store;
    await store.save({ hardState: { term: 2, vote: 1, commit: 1 }, entries: entries(1, 2, 2) });
    expect(storage.entries(1, 3, Number.MAX_SAFE_INTEGER)).toHaveLength(2);
    expect(storage.term(2)).toBe(2);
    expect(storage.initialState().hardState).toEqual({ term: 2, vote: 1, commit: 1 });
  });

  it('refuses saves after close', async () => {
    store = await h.open();
    await store.close();
    expect(await codeOf(() => store.save({ entries: entries(1, 1, 1) }))).toBe('WAL_CLOSED');
  });
});
