/**
 * One compliance suite for every BlockFileStore: real files in a temporary
 * directory and the memory store. Damage (a cut file, zeros, garbage, a
 * flipped bit) is done to the files a closed store left, so both stores are
 * tested on the same images.
 */
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_FILE_BYTES_MAX, BLOCK_FILE_RECORD_BYTES_MAX } from '../src/constants.js';
import { createRng, rngIntBelow } from '../src/core/rng.js';
import {
  FsBlockFileStore, MemoryBlockFileDisk, MemoryBlockFileStore, blockFileName, blockFileNumber,
  type BlockFileAppended, type BlockFilePosition, type BlockFileRecord, type BlockFileStore,
} from '../src/store/block-files.js';

interface Options { readonly fileBytesMax?: number }
type Edit = (files: Uint8Array[]) => Uint8Array[];

interface Harness {
  open(options?: Options): Promise<BlockFileStore>;
  /** Closes `store`, lets `edit` change the files it left (file i is files[i]) and opens them. */
  reopen(store: BlockFileStore, edit?: Edit, options?: Options): Promise<BlockFileStore>;
  /** Sizes of the files on disk now. */
  sizes(store: BlockFileStore): Promise<number[]>;
  cleanup(): Promise<void>;
}

async function fsHarness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alliance-blockfiles-'));
  const names = async () => (await readdir(dir)).filter((n) => blockFileNumber(n) !== undefined).sort();
  let last: Options = {};
  return {
    open: (options = {}) => { last = options; return FsBlockFileStore.open(dir, options); },
    reopen: async (store, edit, options = last) => {
      await store.close();
      if (edit) {
        const files = await Promise.all((await names()).map((n) => readFile(path.join(dir, n))));
        for (const n of await names()) await unlink(path.join(dir, n));
        const edited = edit(files.map((f) => new Uint8Array(f)));
        for (const [i, f] of edited.entries()) await writeFile(path.join(dir, blockFileName(i)), f);
      }
      last = options;
      return FsBlockFileStore.open(dir, options);
    },
    sizes: async () => Promise.all((await names()).map(async (n) => (await readFile(path.join(dir, n))).length)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function memoryHarness(): Promise<Harness> {
  let last: Options = {};
  return {
    open: async (options = {}) => { last = options; return new MemoryBlockFileStore(options); },
    reopen: async (store, edit, options = last) => {
      await store.close();
      let disk = (store as MemoryBlockFileStore).diskImage();
      if (edit) disk = new MemoryBlockFileDisk(edit(disk.files.map((f) => f.slice())));
      last = options;
      return new MemoryBlockFileStore({ ...options, disk });
    },
    sizes: async (store) => (store as MemoryBlockFileStore).diskImage().files.map((f) => f.length),
    cleanup: async () => {},
  };
}

const START: BlockFilePosition = { file: 0, offset: 0 };
const at = (p: { readonly file: number; readonly offset: number }) => `${p.file}:${p.offset}`;
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** Deterministic payload bytes (never all zeros) of `length` for seed `seed`. */
function payloadOf(seed: number, length: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length }, () => 1 + rngIntBelow(rng, 255));
}

type Seen = { at: string; next: string; payload: string } | { torn: string; reason: string };

async function scanAll(store: BlockFileStore, from: BlockFilePosition = START): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const item of store.scan(from)) {
    out.push('torn' in item ? { torn: at(item.torn), reason: item.reason } : { at: at(item.position), next: at(item.next), payload: hex(item.payload) });
  }
  return out;
}

/** What a scan should list for these appends. */
function expected(appended: readonly BlockFileAppended[], payloads: readonly Uint8Array[]): Seen[] {
  return appended.map((a, i) => ({ at: at({ file: a.file, offset: a.offset - 8 }), next: at(a.next), payload: hex(payloads[i]!) }));
}

/** The ledger's recovery: scan to the end, truncating at a torn record. */
async function recover(store: BlockFileStore, from: BlockFilePosition = START): Promise<Seen[]> {
  const seen = await scanAll(store, from);
  const last = seen.at(-1);
  if (last !== undefined && 'torn' in last) {
    const [file, offset] = last.torn.split(':').map(Number);
    await store.truncate({ file: file!, offset: offset! });
  }
  return seen;
}

async function codeOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    // A broken precondition is an assertion (a bug), told apart by its message.
    const code = (e as { code?: string }).code;
    return code === undefined || code === 'ERR_ASSERTION' ? (e as Error).message : code;
  }
  return undefined;
}

async function appendAll(store: BlockFileStore, payloads: readonly Uint8Array[]): Promise<BlockFileAppended[]> {
  const out: BlockFileAppended[] = [];
  for (const p of payloads) out.push(await store.append(p)); // one at a time, as the ledger commits
  return out;
}

describe.each([['FsBlockFileStore', fsHarness], ['MemoryBlockFileStore', memoryHarness]] as const)('BlockFileStore compliance: %s', (name, makeHarness) => {
  let h: Harness;
  let store: BlockFileStore;
  beforeEach(async () => { h = await makeHarness(); });
  afterEach(async () => { await store?.close(); await h.cleanup(); });

  it('starts empty at file 0, offset 0', async () => {
    store = await h.open();
    expect(store.start()).toEqual(START);
    expect(store.end()).toEqual(START);
    expect(await scanAll(store)).toEqual([]);
    expect(await codeOf(() => store.read({ file: 0, offset: 0, length: 1 }))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    expect(await h.sizes(store)).toEqual([]);
  });

  it('appends records back to back and reads them whole or in part', async () => {
    store = await h.open();
    const [a, b, c] = [payloadOf(1, 10), payloadOf(2, 1), payloadOf(3, 300)];
    const spans = await appendAll(store, [a, b, c]);
    expect(spans).toEqual([
      { file: 0, offset: 8, length: 10, next: { file: 0, offset: 18 } },
      { file: 0, offset: 26, length: 1, next: { file: 0, offset: 27 } },
      { file: 0, offset: 35, length: 300, next: { file: 0, offset: 335 } },
    ]);
    expect(store.end()).toEqual({ file: 0, offset: 335 });
    expect(hex(await store.read(spans[0]!))).toBe(hex(a));
    expect(hex(await store.read(spans[1]!))).toBe(hex(b));
    expect(hex(await store.read({ file: 0, offset: 40, length: 20 }))).toBe(hex(c.subarray(5, 25)));
    expect((await store.read({ file: 0, offset: 100, length: 0 })).length).toBe(0);
    expect(await codeOf(() => store.read({ file: 0, offset: 35, length: 301 }))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    expect(await codeOf(() => store.read({ file: 1, offset: 0, length: 1 }))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    expect(await h.sizes(store)).toEqual([335]);
  });

  it('keeps what was appended, whatever the caller does with its buffers', async () => {
    store = await h.open();
    const p = payloadOf(4, 16);
    const original = hex(p);
    const span = await store.append(p);
    p.fill(0);
    const read = await store.read(span);
    expect(hex(read)).toBe(original);
    expect(read.buffer.byteLength).toBe(read.length); // its own memory: transferable
    read.fill(0);
    expect(hex(await store.read(span))).toBe(original);
  });

  it('rolls to a new file before a record would pass the file bound', async () => {
    store = await h.open({ fileBytesMax: 100 });
    // Records of 50 bytes: two fill a file exactly, the third rolls.
    const spans = await appendAll(store, [1, 2, 3].map((s) => payloadOf(s, 42)));
    expect(spans.map((s) => at(s))).toEqual(['0:8', '0:58', '1:8']);
    expect(spans[1]!.next).toEqual({ file: 0, offset: 100 });
    const small = await store.append(payloadOf(4, 1));
    expect(at(small)).toBe('1:58');
    expect(await h.sizes(store)).toEqual([100, 59]);
  });

  it('gives a record larger than the file bound a file of its own', async () => {
    store = await h.open({ fileBytesMax: 100 });
    const big = payloadOf(1, 250);
    const spans = await appendAll(store, [big, payloadOf(2, 12), big, payloadOf(3, 12)]);
    // The first big one goes into the empty file 0; the second rolls; each is followed by a new file.
    expect(spans.map((s) => at(s))).toEqual(['0:8', '1:8', '2:8', '3:8']);
    expect(await h.sizes(store)).toEqual([258, 20, 258, 20]);
    expect(hex(await store.read(spans[2]!))).toBe(hex(big));
  });

  it('scans from the start, from a later file, mid-file and at the end', async () => {
    store = await h.open({ fileBytesMax: 100 });
    const payloads = [1, 2, 3, 4, 5, 6, 7].map((s) => payloadOf(s, 30));
    const spans = await appendAll(store, payloads);
    const all = expected(spans, payloads);
    expect(all.map((s) => ('at' in s ? s.at : ''))).toEqual(['0:0', '0:38', '1:0', '1:38', '2:0', '2:38', '3:0']);
    expect(await scanAll(store)).toEqual(all);
    expect(await scanAll(store, { file: 1, offset: 0 })).toEqual(all.slice(2));
    // The end of a full file and the start of the next are one boundary.
    expect(await scanAll(store, { file: 0, offset: 76 })).toEqual(all.slice(2));
    expect(await scanAll(store, { file: 1, offset: 38 })).toEqual(all.slice(3));
    expect(await scanAll(store, store.end())).toEqual([]);
    for (const past of [{ file: 3, offset: 39 }, { file: 4, offset: 0 }, { file: 0, offset: 77 }]) {
      expect(await codeOf(() => scanAll(store, past))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    }
    // A scanned record names its payload exactly as the append did.
    for await (const item of store.scan(START)) expect(hex(await store.read((item as BlockFileRecord).span))).toBe(hex((item as BlockFileRecord).payload));
  });

  it('reopens with every record and the same end, and appends once the tail is checked', async () => {
    store = await h.open({ fileBytesMax: 100 });
    const payloads = [1, 2, 3, 4, 5].map((s) => payloadOf(s, 30));
    const spans = await appendAll(store, payloads);
    const end = store.end();
    store = await h.reopen(store);
    expect(store.end()).toEqual(end);
    expect(hex(await store.read(spans[3]!))).toBe(hex(payloads[3]!));
    expect(await codeOf(() => store.append(payloadOf(9, 5)))).toMatch(/scan to the end/);
    expect(await recover(store, spans[2]!.next)).toEqual(expected(spans, payloads).slice(3));
    const more = await store.append(payloadOf(9, 5));
    store = await h.reopen(store);
    expect(await scanAll(store)).toEqual(expected([...spans, more], [...payloads, payloadOf(9, 5)]));
  });

  it('finds a torn tail wherever the last file is cut; truncate then append repairs it', async () => {
    const rng = createRng(7);
    store = await h.open({ fileBytesMax: 200 });
    for (let round = 0; round < 12; round++) {
      if (round > 0) store = await h.reopen(store, () => []);
      const payloads = Array.from({ length: 6 }, (_, i) => payloadOf(100 * round + i, 1 + rngIntBelow(rng, 80)));
      const spans = await appendAll(store, payloads);
      const lastFile = store.end().file;
      const cut = rngIntBelow(rng, store.end().offset);
      store = await h.reopen(store, (files) => { files[lastFile] = files[lastFile]!.subarray(0, cut); return files; });
      const kept = spans.filter((s) => s.file < lastFile || s.next.offset <= cut);
      const cutRecord = spans.find((s) => s.file === lastFile && s.offset - 8 < cut && s.next.offset > cut);
      const want = expected(kept, payloads);
      if (cutRecord) want.push({ torn: `${lastFile}:${cutRecord.offset - 8}`, reason: expect.any(String) as unknown as string });
      expect(await recover(store)).toEqual(want);
      expect(store.end()).toEqual(cutRecord ? { file: lastFile, offset: cutRecord.offset - 8 } : { file: lastFile, offset: cut });
      const fresh = await store.append(payloadOf(999, 10));
      store = await h.reopen(store);
      expect(await scanAll(store)).toEqual(expected([...kept, fresh], [...payloads.slice(0, kept.length), payloadOf(999, 10)]));
    }
  });

  it.each([
    ['a few zeros past the end', (f: Uint8Array) => concat(f, new Uint8Array(3)), 'end', 'short-header'],
    ['zeros past the end', (f: Uint8Array) => concat(f, new Uint8Array(40)), 'end', 'bad-length'],
    ['a header claiming too much', (f: Uint8Array) => concat(f, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5)), 'end', 'bad-length'],
    ['a header whose payload never arrived', (f: Uint8Array) => concat(f, Uint8Array.of(0, 0, 0, 100, 1, 2, 3, 4, 5, 6)), 'end', 'short-payload'],
    ['a flipped bit in the last payload', (f: Uint8Array) => flip(f, f.length - 1), 'last', 'checksum'],
    ['the last payload zeroed', (f: Uint8Array) => concat(f.subarray(0, f.length - 20), new Uint8Array(20)), 'last', 'checksum'],
  ] as const)('stops with torn at %s', async (_case, damage, where, reason) => {
    store = await h.open();
    const payloads = [1, 2, 3].map((s) => payloadOf(s, 20));
    const spans = await appendAll(store, payloads);
    const end = store.end();
    store = await h.reopen(store, (files) => { files[0] = damage(files[0]!); return files; });
    const good = where === 'end' ? 3 : 2;
    const torn = where === 'end' ? at(end) : `0:${spans[2]!.offset - 8}`;
    expect(await recover(store)).toEqual([...expected(spans, payloads).slice(0, good), { torn, reason }]);
    expect(at(store.end())).toBe(torn);
    await store.append(payloadOf(4, 20));
    expect((await scanAll(store)).length).toBe(good + 1);
  });

  it('cuts at a bad record in an earlier file and deletes every later file', async () => {
    store = await h.open({ fileBytesMax: 100 });
    const payloads = [1, 2, 3, 4, 5, 6, 7].map((s) => payloadOf(s, 30));
    const spans = await appendAll(store, payloads);
    store = await h.reopen(store, (files) => { files[1] = flip(files[1]!, 38 + 8 + 3); return files; });
    expect(await recover(store)).toEqual([...expected(spans, payloads).slice(0, 3), { torn: '1:38', reason: 'checksum' }]);
    expect(store.end()).toEqual({ file: 1, offset: 38 });
    expect(await h.sizes(store)).toEqual([76, 38]);
    expect(await codeOf(() => store.read(spans[4]!))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    store = await h.reopen(store);
    expect(store.end()).toEqual({ file: 1, offset: 38 });
  });

  it('truncates at the end, at the start, at a file start, and refuses past the end', async () => {
    store = await h.open({ fileBytesMax: 100 });
    const spans = await appendAll(store, [1, 2, 3, 4, 5].map((s) => payloadOf(s, 30)));
    const end = store.end();
    await store.truncate(end);
    expect(store.end()).toEqual(end);
    expect(await codeOf(() => store.truncate({ file: 2, offset: 39 }))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    expect(await codeOf(() => store.truncate({ file: 3, offset: 0 }))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    await store.truncate({ file: 1, offset: 0 });
    expect(await h.sizes(store)).toEqual([76, 0]);
    // The empty file 1 takes the next record, whatever its size.
    expect(at(await store.append(payloadOf(6, 150)))).toBe('1:8');
    await store.truncate(START);
    expect(store.end()).toEqual(START);
    expect(await scanAll(store)).toEqual([]);
    expect(await codeOf(() => store.read(spans[0]!))).toBe('BLOCK_FILE_OUT_OF_RANGE');
    expect(at(await store.append(payloadOf(7, 5)))).toBe('0:8');
    store = await h.reopen(store);
    expect((await scanAll(store)).length).toBe(1);
  });

  it('refuses payloads outside the bounds and stays usable', async () => {
    store = await h.open();
    expect(await codeOf(() => store.append(new Uint8Array(0)))).toBe('BLOCK_FILE_RECORD_EMPTY');
    expect(await codeOf(() => store.append(new Uint8Array(BLOCK_FILE_RECORD_BYTES_MAX + 1)))).toBe('BLOCK_FILE_RECORD_TOO_LARGE');
    expect(store.end()).toEqual(START);
    expect(at(await store.append(payloadOf(1, 3)))).toBe('0:8');
    await expect(h.open({ fileBytesMax: BLOCK_FILE_BYTES_MAX + 1 })).rejects.toThrow(/fileBytesMax/);
  });

  it('allows one append or truncate at a time', async () => {
    store = await h.open();
    const first = store.append(payloadOf(1, 10));
    // Both started while the first is in progress (the memory store's append spans a microtask).
    const second = codeOf(() => store.append(payloadOf(2, 10)));
    const third = codeOf(() => store.truncate(START));
    expect(await second).toMatch(/one append or truncate at a time/);
    expect(await third).toMatch(/one append or truncate at a time/);
    await first;
    expect(await scanAll(store)).toHaveLength(1);
  });

  it('refuses every operation once closed, and closes twice harmlessly', async () => {
    store = await h.open();
    const span = await store.append(payloadOf(1, 10));
    const pending = store.append(payloadOf(2, 10));
    await store.close();
    await pending; // a clean close lets the append in progress finish
    await store.close();
    expect(await codeOf(() => store.append(payloadOf(3, 1)))).toBe('BLOCK_FILE_CLOSED');
    expect(await codeOf(() => store.read(span))).toBe('BLOCK_FILE_CLOSED');
    expect(await codeOf(() => scanAll(store))).toBe('BLOCK_FILE_CLOSED');
    expect(await codeOf(() => store.truncate(START))).toBe('BLOCK_FILE_CLOSED');
    expect(await codeOf(async () => store.end())).toBe('BLOCK_FILE_CLOSED');
    store = await h.reopen(store);
    expect(await scanAll(store)).toHaveLength(2);
  });

  it('property: appends, then the last one torn at any byte, leave exactly the earlier records, then possibly torn', async () => {
    const tear = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 8 }),
      fileBytesMax: fc.constantFrom(64, 150, 1000),
      keep: fc.double({ min: 0, max: 1, noNaN: true }),
      tail: fc.constantFrom('none', 'zeros', 'garbage'),
      tailShare: fc.double({ min: 0, max: 1, noNaN: true }),
      dropEmptyFile: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    });
    await fc.assert(fc.asyncProperty(tear, async (t) => {
      const run = await makeHarness();
      let s = await run.open({ fileBytesMax: t.fileBytesMax });
      try {
        const payloads = t.sizes.map((n, i) => payloadOf(t.seed + i, n));
        const spans = await appendAll(s, payloads);
        const last = spans.at(-1)!;
        const start = last.offset - 8;
        const record = concat(encodeHeaderForTest(payloads.at(-1)!), payloads.at(-1)!);
        const kept = Math.min(record.length, Math.floor(t.keep * (record.length + 1)));
        const tailBytes = t.tail === 'none' ? 0 : Math.min(record.length - kept, Math.floor(t.tailShare * (record.length - kept + 1)));
        const filler = t.tail === 'garbage' ? payloadOf(t.seed ^ 0x5a5a, tailBytes) : new Uint8Array(tailBytes);
        const image = concat(record.subarray(0, kept), filler);
        s = await run.reopen(s, (files) => {
          files[last.file] = concat(files[last.file]!.subarray(0, start), image);
          if (image.length === 0 && start === 0 && t.dropEmptyFile) files.pop();
          return files;
        });
        const intact = hex(image) === hex(record);
        const want = expected(intact ? spans : spans.slice(0, -1), payloads);
        if (!intact && image.length > 0) want.push({ torn: `${last.file}:${start}`, reason: expect.any(String) as unknown as string });
        expect(await recover(s)).toEqual(want);
        const fresh = await s.append(payloadOf(t.seed + 99, 7));
        s = await run.reopen(s);
        expect(await scanAll(s)).toEqual([...want.filter((w) => !('torn' in w)), ...expected([fresh], [payloadOf(t.seed + 99, 7)])]);
      } finally {
        await s.close();
        await run.cleanup();
      }
    }), { numRuns: name === 'FsBlockFileStore' ? 40 : 200 });
  });
});

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function flip(f: Uint8Array, i: number): Uint8Array {
  const out = f.slice();
  out[i] = out[i]! ^ 0x01;
  return out;
}

// The record header as the format defines it, built apart from the stores' encoder.
function encodeHeaderForTest(payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return header;
}
