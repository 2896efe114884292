/**
 * One compliance suite for every KvStore: LevelDB in a temporary directory
 * and the memory store. Whatever a ledger store relies on is asserted here,
 * so code tested on the memory store behaves the same on disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KV_BATCH_BYTES_MAX, KV_CHUNK_BYTES_MAX, KV_GET_MANY_KEYS_MAX, KV_KEY_BYTES_MAX, KV_VALUE_BYTES_MAX } from '../src/constants.js';
import { KvBatch } from '../src/store/kv-batch.js';
import type { KvEntry, KvRange, KvReader, KvStore } from '../src/store/kv-store.js';
import { LevelKvStore } from '../src/store/level-kv-store.js';
import { MemoryKvStore } from '../src/store/memory-kv-store.js';

interface Harness {
  readonly name: string;
  open(): Promise<KvStore>;
  /** Closes `store` cleanly and opens what it left behind. */
  reopen(store: KvStore): Promise<KvStore>;
  cleanup(): Promise<void>;
}

async function levelHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alliance-kv-'));
  return {
    name: 'LevelKvStore',
    open: () => LevelKvStore.open(dir),
    reopen: async (s) => { await s.close(); return LevelKvStore.open(dir); },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function memoryHarness(): Promise<Harness> {
  return {
    name: 'MemoryKvStore',
    open: async () => new MemoryKvStore(),
    reopen: async (s) => { await s.close(); return new MemoryKvStore({ disk: (s as MemoryKvStore).diskImage() }); },
    cleanup: async () => {},
  };
}

const b = (...bytes: number[]) => new Uint8Array(bytes);
const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (u: Uint8Array | undefined) => (u === undefined ? undefined : Buffer.from(u).toString('hex'));
const compare = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y);

async function all(reader: KvReader, range?: KvRange): Promise<string[][]> {
  const out: string[][] = [];
  for await (const [k, v] of reader.iterate(range)) out.push([hex(k)!, hex(v)!]);
  return out;
}

async function put(store: KvStore, entries: Array<[Uint8Array, Uint8Array]>, sync = false): Promise<void> {
  const batch = new KvBatch();
  for (const [k, v] of entries) batch.put(k, v);
  await store.write(batch, { sync });
}

/** The code of the KvStoreError that `fn` throws or rejects with. */
async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

// Keys whose byte order differs from naive string or signed-byte order:
// 0x00 and 0xff, a prefix before its extensions, multi-byte UTF-8 above ASCII.
const TRICKY_KEYS: Uint8Array[] = [
  b(0x00), b(0x00, 0x00), b(0x00, 0xff), b(0x01), b(0x7f), b(0x80), b(0xfe), b(0xff), b(0xff, 0x00), b(0xff, 0xff),
  utf8('a'), utf8('a\u0000'), utf8('a\u0000b'), utf8('ab'), utf8('b'), utf8('é'), utf8('ÿ'), utf8('中'), utf8('😀'), utf8('\uffff'),
];

describe.each([['LevelKvStore', levelHarness], ['MemoryKvStore', memoryHarness]] as const)('KvStore compliance: %s', (_name, makeHarness) => {
  let h: Harness;
  let store: KvStore;

  beforeEach(async () => {
    h = await makeHarness();
    store = await h.open();
  });
  afterEach(async () => {
    await store.close();
    await h.cleanup();
  });

  it('gets a value, undefined when absent, and hands out copies', async () => {
    await put(store, [[utf8('k'), b(1, 2, 3)]]);
    expect(await store.get(utf8('missing'))).toBeUndefined();
    const v = (await store.get(utf8('k')))!;
    expect(hex(v)).toBe('010203');
    v[0] = 9;
    expect(hex(await store.get(utf8('k')))).toBe('010203');
    expect(hex(await store.get(utf8('k')))).toBe('010203');
  });

  it('returns bytes that own their memory, so a caller may transfer them', async () => {
    await put(store, [[utf8('k'), b(1, 2, 3)]]);
    const owns = (u: Uint8Array | undefined) => u !== undefined && u.byteOffset === 0 && u.buffer.byteLength === u.length;
    expect(owns(await store.get(utf8('k')))).toBe(true);
    expect(owns((await store.getMany([utf8('k')]))[0])).toBe(true);
    for await (const [k, v] of store.iterate()) expect([owns(k), owns(v)]).toEqual([true, true]);
  });

  it('stores copies: changing bytes after the write settles changes nothing', async () => {
    const value = b(1, 2);
    await put(store, [[utf8('k'), value]]);
    value[0] = 7;
    expect(hex(await store.get(utf8('k')))).toBe('0102');
  });

  it('getMany keeps the order of the keys and marks absent ones', async () => {
    await put(store, [[utf8('a'), b(1)], [utf8('c'), b(3)]]);
    const got = await store.getMany([utf8('c'), utf8('b'), utf8('a'), utf8('c')]);
    expect(got.map(hex)).toEqual(['03', undefined, '01', '03']);
    expect(await store.getMany([])).toEqual([]);
  });

  it('a batch applies its puts and deletes together, a later operation on a key winning', async () => {
    await put(store, [[utf8('old'), b(0)], [utf8('stay'), b(5)]]);
    const batch = new KvBatch()
      .put(utf8('x'), b(1)).del(utf8('x'))
      .del(utf8('y')).put(utf8('y'), b(2))
      .put(utf8('z'), b(3)).put(utf8('z'), b(4))
      .del(utf8('old')).del(utf8('never-there'));
    await store.write(batch, { sync: true });
    expect(await all(store)).toEqual([[hex(utf8('stay')), '05'], [hex(utf8('y')), '02'], [hex(utf8('z')), '04']]);
  });

  it('an empty batch is a no-op', async () => {
    await store.write(new KvBatch(), { sync: true });
    expect(await all(store)).toEqual([]);
  });

  it('refuses keys and batches outside the bounds, before any I/O', async () => {
    expect(await codeOf(() => new KvBatch().put(new Uint8Array(0), b(1)))).toBe('KV_KEY_EMPTY');
    expect(await codeOf(() => new KvBatch().del(new Uint8Array(KV_KEY_BYTES_MAX + 1)))).toBe('KV_KEY_TOO_LARGE');
    expect(await codeOf(() => new KvBatch().put(utf8('k'), new Uint8Array(KV_VALUE_BYTES_MAX + 1)))).toBe('KV_VALUE_TOO_LARGE');
    const big = new Uint8Array(KV_VALUE_BYTES_MAX);
    const batch = new KvBatch();
    let i = 0;
    const code = await codeOf(() => { for (;; i++) batch.put(utf8(`k${i}`), big); });
    expect(code).toBe('KV_BATCH_TOO_LARGE');
    expect(batch.bytes).toBeLessThanOrEqual(KV_BATCH_BYTES_MAX);
    expect(batch.length).toBe(i);
    expect(await codeOf(() => store.get(new Uint8Array(0)))).toBe('KV_KEY_EMPTY');
    expect(await codeOf(() => store.getMany(Array.from({ length: KV_GET_MANY_KEYS_MAX + 1 }, () => b(1))))).toBe('KV_TOO_MANY_KEYS');
    new KvBatch().put(new Uint8Array(KV_KEY_BYTES_MAX), b()); // the largest key and an empty value are fine
  });

  it('iterates in unsigned byte order: 0x00 first, 0xff last, a prefix before its extensions', async () => {
    const shuffled = [...TRICKY_KEYS].reverse();
    await put(store, shuffled.map((k, i) => [k, b(i)]));
    const keys = (await all(store)).map(([k]) => k);
    expect(keys).toEqual([...TRICKY_KEYS].sort(compare).map(hex));
    const reversed = (await all(store, { reverse: true })).map(([k]) => k);
    expect(reversed).toEqual([...keys].reverse());
    // UTF-8 byte order is code point order
    const strings = ['a', 'ab', 'b', 'é', 'ÿ', '中', '\uffff', '😀'];
    expect(strings.map((s) => hex(utf8(s)))).toEqual(keys.filter((k) => strings.map((s) => hex(utf8(s))).includes(k)));
  });

  it('honours gt, gte, lt, lte, reverse and limit', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => b(i * 2)); // 0, 2, ..., 18
    await put(store, keys.map((k) => [k, k]));
    const ks = async (r: KvRange) => (await all(store, r)).map(([k]) => parseInt(k!, 16));
    expect(await ks({ gte: b(4), lt: b(10) })).toEqual([4, 6, 8]);
    expect(await ks({ gt: b(4), lte: b(10) })).toEqual([6, 8, 10]);
    expect(await ks({ gt: b(3), lt: b(9) })).toEqual([4, 6, 8]);
    expect(await ks({ gte: b(4), lte: b(10), reverse: true })).toEqual([10, 8, 6, 4]);
    expect(await ks({ gte: b(4), reverse: true, limit: 2 })).toEqual([18, 16]);
    expect(await ks({ lt: b(5), limit: 2 })).toEqual([0, 2]);
    expect(await ks({ limit: 0 })).toEqual([]);
    expect(await ks({ gte: b(10), lte: b(4) })).toEqual([]);
    expect(await ks({ gt: b(18) })).toEqual([]);
    expect(await ks({ lt: b(0) })).toEqual([]);
    expect(await ks({ gte: b(0, 0) })).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(() => store.iterate({ gt: b(1), gte: b(1) })).toThrow(/gt or gte/);
  });

  it('agrees with a sorted model on random keys and ranges (property)', async () => {
    // A small alphabet of edge bytes makes shared prefixes common; strings add multi-byte UTF-8.
    const edges = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
    const key = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4 }).map((k) => k.map((x) => edges[x % edges.length]!)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).map(utf8),
    );
    const bound = fc.option(fc.record({ inclusive: fc.boolean(), key }), { nil: undefined });
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(key, { minLength: 0, maxLength: 40, comparator: (x, y) => compare(x, y) === 0 }),
      bound, bound, fc.boolean(), fc.option(fc.nat(45), { nil: undefined }),
      async (keys, lower, upper, reverse, limit) => {
        await put(store, keys.map((k, i) => [k, b(i & 0xff)]));
        const range: KvRange = {
          ...(lower ? (lower.inclusive ? { gte: lower.key } : { gt: lower.key }) : {}),
          ...(upper ? (upper.inclusive ? { lte: upper.key } : { lt: upper.key }) : {}),
          reverse, ...(limit !== undefined ? { limit } : {}),
        };
        const inRange = (k: Uint8Array) =>
          (!lower || (lower.inclusive ? compare(k, lower.key) >= 0 : compare(k, lower.key) > 0)) &&
          (!upper || (upper.inclusive ? compare(k, upper.key) <= 0 : compare(k, upper.key) < 0));
        let expected = keys.filter(inRange).sort(compare);
        if (reverse) expected.reverse();
        if (limit !== undefined) expected = expected.slice(0, limit);
        const got = (await all(store, range)).map(([k]) => k);
        const clear = new KvBatch();
        for (const k of keys) clear.del(k);
        await store.write(clear, { sync: false });
        expect(got).toEqual(expected.map(hex));
      }), { numRuns: 60, seed: 20261125 });
  });

  it('hands out chunks of bounded size that concatenate to the iteration, and releases early exits', async () => {
    await put(store, Array.from({ length: 1000 }, (_, i) => [utf8(`k${String(i).padStart(4, '0')}`), b(i & 0xff)]));
    const chunks: KvEntry[][] = [];
    for await (const chunk of store.iterateChunks({ gte: utf8('k0100') }, 64)) chunks.push(chunk);
    expect(chunks.every((c) => c.length >= 1 && c.length <= 64)).toBe(true);
    expect(chunks.flat().map(([k]) => hex(k))).toEqual((await all(store, { gte: utf8('k0100') })).map(([k]) => k));
    for await (const chunk of store.iterateChunks({}, 10)) { expect(chunk).toHaveLength(10); break; }
    let n = 0;
    for await (const _ of store.iterate()) if (++n === 5) break;
    expect(() => store.iterateChunks({}, 0)).toThrow(/chunkEntriesMax/);
    await put(store, [[utf8('after'), b(1)]]); // the store is still usable after the early exits
    expect(hex(await store.get(utf8('after')))).toBe('01');
  });

  it('an iterator sees the store as of its first read; a snapshot as of its taking', async () => {
    await put(store, [[utf8('a'), b(1)], [utf8('b'), b(2)]]);
    const snap = store.snapshot();
    const it = store.iterate()[Symbol.asyncIterator]();
    expect(hex((await it.next()).value?.[0])).toBe(hex(utf8('a')));
    await store.write(new KvBatch().del(utf8('b')).put(utf8('c'), b(3)).put(utf8('a'), b(9)), { sync: false });
    const rest: string[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(hex(r.value[0])!);
    expect(rest).toEqual([hex(utf8('b'))]);
    expect(hex(await snap.get(utf8('a')))).toBe('01');
    expect((await snap.getMany([utf8('b'), utf8('c')])).map(hex)).toEqual(['02', undefined]);
    expect(await all(snap)).toEqual([[hex(utf8('a')), '01'], [hex(utf8('b')), '02']]);
    expect(await all(store)).toEqual([[hex(utf8('a')), '09'], [hex(utf8('c')), '03']]);
    await snap.release();
    await snap.release();
    expect(await codeOf(() => snap.get(utf8('a')))).toBe('KV_STORE_CLOSED');
  });

  it('stores and iterates 2 MiB values', async () => {
    const big = (seed: number) => Uint8Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 31 + seed) & 0xff);
    await put(store, [[utf8('big1'), big(1)], [utf8('big2'), big(2)], [utf8('big3'), big(3)]], true);
    expect(Buffer.compare((await store.get(utf8('big2')))!, big(2))).toBe(0);
    const chunks: KvEntry[][] = [];
    for await (const c of store.iterateChunks({}, 100)) chunks.push(c);
    // A chunk stops gathering once it holds KV_CHUNK_BYTES_MAX; each value alone exceeds it.
    expect(2 * 1024 * 1024).toBeGreaterThan(KV_CHUNK_BYTES_MAX);
    expect(chunks.map((c) => c.length)).toEqual([1, 1, 1]);
    expect(Buffer.compare(chunks[2]![0]![1], big(3))).toBe(0);
  });

  it('holds many keys', async () => {
    const n = 20_000;
    const key = (i: number) => utf8(`key/${String(i).padStart(6, '0')}`);
    for (let start = 0; start < n; start += 2_000) {
      await put(store, Array.from({ length: 2_000 }, (_, j) => [key(start + j), utf8(`value-${start + j}`)]));
    }
    let count = 0;
    for await (const chunk of store.iterateChunks({}, 1000)) count += chunk.length;
    expect(count).toBe(n);
    const sample = [0, 1, 9_999, 19_999, 20_000];
    expect((await store.getMany(sample.map(key))).map((v) => v && Buffer.from(v).toString())).toEqual(['value-0', 'value-1', 'value-9999', 'value-19999', undefined]);
    const [last] = (await all(store, { reverse: true, limit: 1 }));
    expect(last![0]).toBe(hex(key(19_999)));
  });

  it('keeps every write, synced or not, across a clean close and reopen', async () => {
    await put(store, TRICKY_KEYS.map((k, i) => [k, b(i)]), true);
    await put(store, [[utf8('unsynced'), b(7)]], false);
    await store.write(new KvBatch().del(TRICKY_KEYS[0]!), { sync: false });
    const before = await all(store);
    store = await h.reopen(store);
    expect(await all(store)).toEqual(before);
    expect(hex(await store.get(utf8('unsynced')))).toBe('07');
  });

  it('refuses use after close with KV_STORE_CLOSED, an open iterator included', async () => {
    await put(store, Array.from({ length: 3000 }, (_, i) => [utf8(`k${i}`), b(1)]));
    const it = store.iterateChunks({}, 10)[Symbol.asyncIterator]();
    await it.next();
    const snap = store.snapshot();
    await store.close();
    await store.close();
    expect(await codeOf(() => store.get(utf8('k1')))).toBe('KV_STORE_CLOSED');
    expect(await codeOf(() => store.getMany([utf8('k1')]))).toBe('KV_STORE_CLOSED');
    expect(await codeOf(() => store.write(new KvBatch().put(utf8('x'), b(1)), { sync: true }))).toBe('KV_STORE_CLOSED');
    expect(await codeOf(() => store.snapshot())).toBe('KV_STORE_CLOSED');
    expect(await codeOf(async () => { for await (const _ of store.iterate()) break; })).toBe('KV_STORE_CLOSED');
    expect(await codeOf(() => snap.get(utf8('k1')))).toBe('KV_STORE_CLOSED');
    expect(await codeOf(async () => { for (let r = await it.next(); !r.done; r = await it.next()); })).toBe('KV_STORE_CLOSED');
  });
});
