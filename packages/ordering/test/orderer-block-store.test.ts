/**
 * One compliance suite for both OrdererBlockStores (memory, and the ledger's
 * block files with a LevelDB index in a real temporary directory), then the
 * file store's recovery: reopen, a lost index, a torn tail, a corrupt index.
 */
import { appendFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlockFileStore, MemoryKvStore } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { FileOrdererBlockStore, MemoryOrdererBlockStore, raftIndexOf, type OrdererBlockStore } from '../src/index.js';
import { ChainBuilder, genesis, tempDir } from './orderer-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function chainOf(length: number): Uint8Array[] {
  const tc = TestChannel.create();
  const g = genesis(tc);
  const chain = new ChainBuilder(tc.orderer, g.block);
  const blocks = [g.block];
  while (blocks.length < length) blocks.push(chain.next([tc.tx({ writes: [[`k${blocks.length}`, 'v']] }).envelope]));
  return blocks;
}

async function fileStore(dir?: string): Promise<{ store: FileOrdererBlockStore; dir: string }> {
  let d = dir;
  if (!d) {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    d = t.dir;
  }
  const store = await FileOrdererBlockStore.open({ dir: d });
  cleanups.push(() => store.close());
  return { store, dir: d };
}

const kinds: [string, () => Promise<OrdererBlockStore>][] = [
  ['memory', async () => new MemoryOrdererBlockStore()],
  ['file', async () => (await fileStore()).store],
];

describe.each(kinds)('OrdererBlockStore (%s)', (_name, open) => {
  it('appends in order and reads by number', async () => {
    const store = await open();
    const blocks = chainOf(4);
    expect(store.height).toBe(0);
    for (const b of blocks) await store.append(b);
    expect(store.height).toBe(4);
    for (const [i, b] of blocks.entries()) expect(Buffer.from(await store.get(i)).equals(b)).toBe(true);
    await expect(store.get(4)).rejects.toMatchObject({ code: 'BLOCK_NOT_FOUND' });
    await expect(store.get(-1)).rejects.toMatchObject({ code: 'BLOCK_NOT_FOUND' });
    await expect(store.get(1.5)).rejects.toMatchObject({ code: 'BLOCK_NOT_FOUND' });
  });

  it('refuses a block out of order, one that does not chain, and bytes that are no block', async () => {
    const store = await open();
    const blocks = chainOf(3);
    const other = chainOf(3);
    await expect(store.append(blocks[1]!)).rejects.toMatchObject({ code: 'BLOCK_NUMBER_MISMATCH' });
    await store.append(blocks[0]!);
    await expect(store.append(other[1]!)).rejects.toMatchObject({ code: 'BLOCK_PREVIOUS_HASH_MISMATCH' });
    await expect(store.append(Uint8Array.of(0xff, 0xff, 0xff))).rejects.toMatchObject({ code: 'BLOCK_MALFORMED' });
    await store.append(blocks[1]!);
    expect(store.height).toBe(2);
  });

  it('wakes a waiter when the block it waits for is appended, and not before', async () => {
    const store = await open();
    const blocks = chainOf(3);
    await store.append(blocks[0]!);
    await store.waitForHeight(1);
    let woke = false;
    const waiting = store.waitForHeight(3).then(() => { woke = true; });
    await store.append(blocks[1]!);
    await new Promise((r) => setTimeout(r, 5));
    expect(woke).toBe(false);
    await store.append(blocks[2]!);
    await waiting;
    expect(woke).toBe(true);
  });

  it('an aborted wait rejects with WAIT_ABORTED; closing rejects the waiters', async () => {
    const store = await open();
    const controller = new AbortController();
    const aborted = store.waitForHeight(5, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'WAIT_ABORTED' });
    const pending = expect(store.waitForHeight(5)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await store.close();
    await pending;
    await expect(store.get(0)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

describe('FileOrdererBlockStore recovery', () => {
  it('reopens with its blocks', async () => {
    const blocks = chainOf(5);
    const { store, dir } = await fileStore();
    for (const b of blocks) await store.append(b);
    await store.close();
    const again = (await fileStore(dir)).store;
    expect(again.height).toBe(5);
    expect(raftIndexOf(await again.get(4))).toBe(4n);
    await again.append(new ChainBuilder(TestChannel.create().orderer, blocks[4]!).next([TestChannel.create().tx().envelope]));
    expect(again.height).toBe(6);
  });

  it('rebuilds a lost index from the block files', async () => {
    const blocks = chainOf(4);
    const { store, dir } = await fileStore();
    for (const b of blocks) await store.append(b);
    await store.close();
    await rm(path.join(dir, 'index'), { recursive: true, force: true });
    const again = (await fileStore(dir)).store;
    expect(again.height).toBe(4);
    for (const [i, b] of blocks.entries()) expect(Buffer.from(await again.get(i)).equals(b)).toBe(true);
  });

  it('cuts a torn tail and appends after it', async () => {
    const blocks = chainOf(3);
    const { store, dir } = await fileStore();
    await store.append(blocks[0]!);
    await store.append(blocks[1]!);
    await store.close();
    // half a record: a header promising more bytes than follow
    await appendFile(path.join(dir, 'blocks', 'blockfile_000000'), Uint8Array.of(0, 0, 1, 0, 1, 2, 3, 4, 9, 9));
    const again = (await fileStore(dir)).store;
    expect(again.height).toBe(2);
    await again.append(blocks[2]!);
    await again.close();
    const third = (await fileStore(dir)).store;
    expect(third.height).toBe(3);
    expect(Buffer.from(await third.get(2)).equals(blocks[2]!)).toBe(true);
  });

  it('refuses files holding less than the index records', async () => {
    const blocks = chainOf(2);
    const { store, dir } = await fileStore();
    for (const b of blocks) await store.append(b);
    await store.close();
    await rm(path.join(dir, 'blocks'), { recursive: true, force: true });
    await expect(FileOrdererBlockStore.open({ dir })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });

  it('after a failed index write refuses appends until reopened; reopening re-indexes the durable block', async () => {
    const blocks = chainOf(3);
    const files = new MemoryBlockFileStore();
    const kv = new MemoryKvStore({ faults: { failWriteAt: 2 } });
    const store = await FileOrdererBlockStore.open({ files, kv });
    await store.append(blocks[0]!);
    await expect(store.append(blocks[1]!)).rejects.toMatchObject({ code: 'KV_WRITE_FAULT' });
    expect(store.height).toBe(1);
    await expect(store.append(blocks[1]!)).rejects.toMatchObject({ code: 'STORE_FAILED' });
    const filesDisk = files.diskImage();
    const kvDisk = kv.diskImage();
    await store.close();
    const again = await FileOrdererBlockStore.open({ files: new MemoryBlockFileStore({ disk: filesDisk }), kv: new MemoryKvStore({ disk: kvDisk }) });
    cleanups.push(() => again.close());
    expect(again.height).toBe(2);
    await again.append(blocks[2]!);
    expect(Buffer.from(await again.get(1)).equals(blocks[1]!)).toBe(true);
  });
});
