/**
 * verifyLedger on real stores: a sound ledger passes; each kind of damage —
 * a state value, a history entry, a block's data, a block's filter — is
 * reported as the first divergence, at the right place.
 */
import { cpSync, mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { common, getTransactionsFilter, parseBlock } from '@alliance/protocol';
import { Ledger, verifyLedger } from '../src/index.js';
import { TestChannel } from '../src/testing/index.js';
import { LevelKvStore } from '../src/store/level-kv-store.js';
import { KvBatch } from '../src/store/kv-batch.js';
import { blockKey, historyKey, stateKey, decodeStateRecord, encodeStateRecord } from '../src/store/layout.js';
import { decodeBlockRecord } from '../src/store/records.js';

let base: string;
let dir: string;
const copies: string[] = [];

function copy(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'alliance-verify-copy-'));
  cpSync(dir, d, { recursive: true });
  copies.push(d);
  return d;
}

async function withIndex(d: string, fn: (kv: LevelKvStore) => Promise<void>): Promise<void> {
  const kv = await LevelKvStore.open(path.join(d, 'index'));
  try {
    await fn(kv);
  } finally {
    await kv.close();
  }
}

/** Flips one byte of block `n` at `offsetInBlock` in its block file. */
async function flipBlockByte(d: string, n: number, offsetInBlock: (bytes: Uint8Array) => number): Promise<void> {
  let file = 0;
  let offset = 0;
  let length = 0;
  await withIndex(d, async (kv) => {
    const r = decodeBlockRecord((await kv.get(blockKey(n)))!);
    ({ file, offset, length } = r);
  });
  const name = path.join(d, 'blocks', `blockfile_${String(file).padStart(6, '0')}`);
  const fd = openSync(name, 'r+');
  const bytes = Buffer.alloc(length);
  readSync(fd, bytes, 0, length, offset);
  const at = offsetInBlock(bytes);
  writeSync(fd, Buffer.from([bytes[at]! ^ 0x01]), 0, 1, offset + at);
  closeSync(fd);
}

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'alliance-verify-'));
  dir = path.join(base, 'mychannel');
  const ch = TestChannel.create();
  const ledger = await Ledger.open({ dir, workers: 1 });
  await ledger.commitBlock(ch.genesisBlock());
  for (let b = 1; b <= 4; b++) {
    const txs = Array.from({ length: 5 }, (_, i) => ch.tx({ writes: [[`k${i}`, `b${b}`], [`own${b}-${i}`, 'x']], ...(b > 1 ? { reads: [[`k${i}`, [b - 1, i]]] } : {}) }).envelope);
    await ledger.commitBlock(ch.block(txs));
  }
  await ledger.close();
});

afterAll(() => {
  for (const d of [...copies, base]) rmSync(d, { recursive: true, force: true });
});

describe('verifyLedger', () => {
  it('passes a sound ledger', async () => {
    expect(await verifyLedger(dir)).toEqual({ ok: true, height: 5 });
  });

  it('finds a changed state value', async () => {
    const d = copy();
    await withIndex(d, async (kv) => {
      const k = stateKey('basic', 'k2');
      const r = decodeStateRecord((await kv.get(k))!);
      await kv.write(new KvBatch().put(k, encodeStateRecord({ ...r, value: new TextEncoder().encode('forged') })), { sync: true });
    });
    const v = await verifyLedger(d);
    expect(v.ok).toBe(false);
    expect(v.divergence?.what).toMatch(/^state: the value of .* differs/);
  });

  it('finds a missing history entry', async () => {
    const d = copy();
    await withIndex(d, async (kv) => {
      await kv.write(new KvBatch().del(historyKey('basic', 'k0', 2, 0)), { sync: true });
    });
    const v = await verifyLedger(d);
    expect(v.ok).toBe(false);
    expect(v.divergence?.what).toMatch(/^history: /);
  });

  it('finds damaged block data at its block', async () => {
    const d = copy();
    await flipBlockByte(d, 3, (bytes) => {
      const b = common.Block.decode(bytes);
      return Buffer.from(bytes).indexOf(Buffer.from(b.data!.data![2]!)) + 40;
    });
    const v = await verifyLedger(d);
    expect(v).toMatchObject({ ok: false, height: 3, divergence: { blockNum: 3 } });
  });

  it('finds a changed validation code (the filter is outside the data hash) through the commit hash', async () => {
    const d = copy();
    await flipBlockByte(d, 2, (bytes) => {
      const filter = getTransactionsFilter(parseBlock(bytes).block)!;
      return Buffer.from(bytes).lastIndexOf(Buffer.from(filter));
    });
    const v = await verifyLedger(d);
    expect(v).toMatchObject({ ok: false, height: 2, divergence: { blockNum: 2 } });
    expect(v.divergence?.what).toMatch(/commit hash|validation codes/);
  });
});
