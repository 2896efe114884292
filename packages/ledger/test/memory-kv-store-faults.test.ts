/**
 * What MemoryKvStore adds for simulations: injected write faults that change
 * nothing, and crashes that keep exactly what LevelDB's log would.
 */
import { describe, expect, it } from 'vitest';
import { KV_MEMORY_UNSYNCED_BATCHES_MAX } from '../src/constants.js';
import { KvBatch } from '../src/store/kv-batch.js';
import type { KvStore } from '../src/store/kv-store.js';
import { MemoryKvStore } from '../src/store/memory-kv-store.js';
import { type MemoryDisk } from '../src/store/memory-view.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

async function contents(store: KvStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [k, v] of store.iterate()) out[Buffer.from(k).toString()] = Buffer.from(v).toString();
  return out;
}

function puts(...pairs: Array<[string, string]>): KvBatch {
  const batch = new KvBatch();
  for (const [k, v] of pairs) batch.put(utf8(k), utf8(v));
  return batch;
}

async function keysOn(disk: MemoryDisk): Promise<string[]> {
  return Object.keys(await contents(new MemoryKvStore({ disk })));
}

async function failed(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('MemoryKvStore faults', () => {
  it('fails the chosen write with KV_WRITE_FAULT and changes nothing', async () => {
    const store = new MemoryKvStore({ faults: { failWriteAt: 3 } });
    await store.write(puts(['a', '1'], ['b', '2']), { sync: true });
    await store.write(puts(['c', '3']), { sync: false });
    const before = await contents(store);
    const batch = puts(['a', 'changed'], ['d', '4']).del(utf8('b'));
    expect(await failed(store.write(batch, { sync: true }))).toBe('KV_WRITE_FAULT');
    expect(await contents(store)).toEqual(before);
    expect(store.writeCount).toBe(3);
    // The failed synced write synced nothing: 'c' is still revocable.
    expect(await keysOn(store.crash())).toEqual(['a', 'b']);
  });

  it('lets writes succeed again after the chosen one, and counts only non-empty writes', async () => {
    const store = new MemoryKvStore({ faults: { failWriteAt: 2 } });
    await store.write(new KvBatch(), { sync: true });
    await store.write(puts(['a', '1']), { sync: false });
    expect(await failed(store.write(puts(['b', '2']), { sync: false }))).toBe('KV_WRITE_FAULT');
    await store.write(puts(['b', '2']), { sync: false });
    expect(await contents(store)).toEqual({ a: '1', b: '2' });
    store.setFaults({ failWriteAt: 4 });
    expect(await failed(store.write(puts(['c', '3']), { sync: false }))).toBe('KV_WRITE_FAULT');
  });

  it('draws probabilistic faults from the seed, so a run is reproduced by it', async () => {
    const pattern = async (seed: number, p: number) => {
      const store = new MemoryKvStore({ seed, faults: { writeFailureProbability: p } });
      const out: boolean[] = [];
      for (let i = 0; i < 200; i++) out.push((await failed(store.write(puts([`k${i}`, 'v']), { sync: i % 2 === 0 }))) === 'KV_WRITE_FAULT');
      const kept = Object.keys(await contents(store)).length;
      expect(kept).toBe(out.filter((f) => !f).length);
      return out;
    };
    const a = await pattern(7, 0.3);
    expect(await pattern(7, 0.3)).toEqual(a);
    expect(await pattern(8, 0.3)).not.toEqual(a);
    const rate = a.filter(Boolean).length / a.length;
    expect(rate).toBeGreaterThan(0.15);
    expect(rate).toBeLessThan(0.45);
    expect((await pattern(7, 1)).every(Boolean)).toBe(true);
    expect((await pattern(7, 0)).some(Boolean)).toBe(false);
  });
});

describe('MemoryKvStore crashes', () => {
  it('keeps every synced batch and everything before it; loses the unsynced batches after the last synced one', async () => {
    const store = new MemoryKvStore();
    await store.write(puts(['a', '1']), { sync: true });
    await store.write(puts(['b', '2']), { sync: false });
    await store.write(puts(['c', '3']), { sync: true }); // syncs 'b' too: the log is sequential
    await store.write(puts(['d', '4']), { sync: false });
    await store.write(new KvBatch().del(utf8('a')).put(utf8('c'), utf8('33')), { sync: false });
    expect(await contents(store)).toEqual({ b: '2', c: '33', d: '4' });
    const disk = store.crash();
    const reopened = new MemoryKvStore({ disk });
    expect(await contents(reopened)).toEqual({ a: '1', b: '2', c: '3' });
  });

  it("keeps everything with keep 'all' (a process kill where the OS kept its page cache)", async () => {
    const store = new MemoryKvStore();
    await store.write(puts(['a', '1']), { sync: true });
    await store.write(puts(['b', '2']), { sync: false });
    expect(await keysOn(store.crash('all'))).toEqual(['a', 'b']);
  });

  it("keeps a seeded prefix of the unsynced batches with keep 'random-prefix', never a hole", async () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const store = new MemoryKvStore({ seed });
      await store.write(puts(['base', 'x']), { sync: true });
      for (let i = 0; i < 8; i++) await store.write(puts([`u${i}`, 'v']), { sync: false });
      const kept = (await keysOn(store.crash('random-prefix'))).filter((k) => k !== 'base');
      expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `u${i}`));
      seen.add(kept.length);
      const again = new MemoryKvStore({ seed });
      await again.write(puts(['base', 'x']), { sync: true });
      for (let i = 0; i < 8; i++) await again.write(puts([`u${i}`, 'v']), { sync: false });
      expect((await keysOn(again.crash('random-prefix'))).length - 1).toBe(kept.length);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('leaves the store closed; a disk image reopens any number of times, independently', async () => {
    const store = new MemoryKvStore();
    await store.write(puts(['a', '1']), { sync: true });
    const disk = store.crash();
    expect(await failed(store.get(utf8('a')))).toBe('KV_STORE_CLOSED');
    expect(() => store.crash()).toThrow(expect.objectContaining({ code: 'KV_STORE_CLOSED' }));
    const first = new MemoryKvStore({ disk });
    await first.write(puts(['b', '2']).del(utf8('a')), { sync: true });
    const second = new MemoryKvStore({ disk });
    expect(await contents(second)).toEqual({ a: '1' });
    expect(disk.size).toBe(1);
    expect(await contents(new MemoryKvStore({ disk: first.diskImage() }))).toEqual({ b: '2' });
  });

  it('counts unsynced batches beyond the bound as written back by the OS', async () => {
    const store = new MemoryKvStore();
    const extra = 5;
    for (let i = 0; i < KV_MEMORY_UNSYNCED_BATCHES_MAX + extra; i++) await store.write(puts([`k${String(i).padStart(5, '0')}`, 'v']), { sync: false });
    const kept = await keysOn(store.crash());
    expect(kept).toEqual(Array.from({ length: extra }, (_, i) => `k${String(i).padStart(5, '0')}`));
  });

  it('keeps a crash image apart from readers still holding the old data', async () => {
    const store = new MemoryKvStore();
    await store.write(puts(['a', '1'], ['b', '2']), { sync: true });
    const snap = store.snapshot();
    await store.write(puts(['a', 'new']), { sync: false });
    expect(Buffer.from((await snap.get(utf8('a')))!).toString()).toBe('1');
    expect(await contents(new MemoryKvStore({ disk: store.crash() }))).toEqual({ a: '1', b: '2' });
  });
});
