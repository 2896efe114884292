/**
 * What only the file store has: names on disk, directories, the read-handle
 * bound, and a real I/O failure.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlockFileStore, blockFileName, blockFileNumber, type BlockFileAppended } from '../src/store/block-files.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('FsBlockFileStore', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'alliance-fsblocks-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('names files as Fabric does and reads only its own names', () => {
    expect(blockFileName(0)).toBe('blockfile_000000');
    expect(blockFileName(1_234_567)).toBe('blockfile_1234567');
    expect(blockFileNumber('blockfile_000042')).toBe(42);
    expect(blockFileNumber('blockfile_1234567')).toBe(1_234_567);
    for (const other of ['blockfile_42', 'blockfile_0000042', 'blockfile_000042.tmp', 'LOCK', 'blockfile_']) {
      expect(blockFileNumber(other)).toBeUndefined();
    }
  });

  it('creates missing directories and writes blockfile_000000, blockfile_000001, …', async () => {
    const nested = path.join(dir, 'a', 'b', 'blocks');
    const store = await FsBlockFileStore.open(nested, { fileBytesMax: 64 });
    for (let i = 0; i < 3; i++) await store.append(bytes(40, i + 1));
    await store.close();
    expect((await readdir(nested)).sort()).toEqual(['blockfile_000000', 'blockfile_000001', 'blockfile_000002']);
  });

  it('ignores files that are not block files', async () => {
    await writeFile(path.join(dir, 'README'), 'not a block file');
    await writeFile(path.join(dir, 'blockfile_000000.tmp'), 'nor this');
    const store = await FsBlockFileStore.open(dir);
    expect(store.end()).toEqual({ file: 0, offset: 0 });
    await store.append(bytes(5, 1));
    await store.close();
  });

  it('refuses files numbered with a gap', async () => {
    const store = await FsBlockFileStore.open(dir, { fileBytesMax: 64 });
    for (let i = 0; i < 3; i++) await store.append(bytes(40, i + 1));
    await store.close();
    await unlink(path.join(dir, blockFileName(1)));
    const error = await FsBlockFileStore.open(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BLOCK_FILE_CORRUPT', details: { missing: 1, found: 2 } });
  });

  it('fails to open where the directory is a file', async () => {
    const file = path.join(dir, 'plain');
    await writeFile(file, 'x');
    expect(await codeOf(FsBlockFileStore.open(file))).toBe('BLOCK_FILE_OPEN_FAILED');
  });

  it('keeps at most readHandlesMax read handles once concurrent reads across many files finish', async () => {
    const fdCount = () => readdirSync('/proc/self/fd').length;
    if (!existsSync('/proc/self/fd')) return;
    const before = fdCount();
    const store = await FsBlockFileStore.open(dir, { fileBytesMax: 64, readHandlesMax: 2 });
    const spans: BlockFileAppended[] = [];
    for (let i = 0; i < 8; i++) spans.push(await store.append(bytes(40, i + 1)));
    const reads = await Promise.all(Array.from({ length: 80 }, (_, i) => store.read(spans[(i * 3) % 8]!)));
    reads.forEach((r, i) => expect(r[0]).toBe(((i * 3) % 8) + 1));
    // Evicted handles close once their reads finish; give those closes a turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(fdCount() - before).toBeLessThanOrEqual(2 + 1); // read handles + the append handle
    await store.close();
    expect(fdCount()).toBe(before);
  });

  it('stops taking writes after an I/O failure, until reopened', async () => {
    // Writes to /dev/full fail with ENOSPC: a full disk, for real.
    if (!existsSync('/dev/full')) return;
    await symlink('/dev/full', path.join(dir, blockFileName(0)));
    const store = await FsBlockFileStore.open(dir);
    for await (const item of store.scan(store.start())) throw new Error(`nothing to scan, got ${JSON.stringify(item)}`);
    const error = await store.append(bytes(10, 1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BLOCK_FILE_IO_FAILED', details: { op: 'append', osCode: 'ENOSPC' } });
    expect(await codeOf(store.append(bytes(10, 1)))).toBe('BLOCK_FILE_FAILED');
    expect(await codeOf(store.truncate(store.start()))).toBe('BLOCK_FILE_FAILED');
    expect(store.end()).toEqual({ file: 0, offset: 0 });
    await store.close();
  });
});
