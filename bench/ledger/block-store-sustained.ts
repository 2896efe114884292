/**
 * The long run behind the block-store choice: each design commits --blocks
 * blocks (default 300, ~690 MB) into a fresh directory, one durable commit
 * per block, timing each commit alone (the block load is built before the
 * clock starts). Then random reads of blocks and of single transactions.
 * Prints a table and writes bench/results/ledger-block-store-sustained.json.
 *
 *   node dist/ledger/block-store-sustained.js [--blocks 300] [--reads 400] [--designs a,a64,b,b1]
 *
 * Designs: a = LevelDB only; a64 = LevelDB only with a 64 MiB write buffer;
 * b = block files + synced LevelDB batch; b1 = block files + unsynced batch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, rngIntBelow } from '@alliance/ledger';
import { BLOCK_TXS, makeBlockLoad, txIdOf } from './block-load.js';
import { FileBlockDesign, LevelOnlyDesign, diskBytes, type BlockStoreDesign } from './block-store-designs.js';

const DESIGNS: Record<string, (dir: string) => Promise<BlockStoreDesign>> = {
  a: (dir) => LevelOnlyDesign.open(dir),
  a64: async (dir) => Object.assign(await LevelOnlyDesign.open(dir, { writeBufferSizeBytes: 64 * 1024 * 1024 }), { name: 'A leveldb-only, 64 MiB write buffer' }),
  b: (dir) => FileBlockDesign.open(dir, true),
  b1: (dir) => FileBlockDesign.open(dir, false),
};

interface Row {
  design: string;
  blocks: number;
  blocksPerSec: number;
  txPerSec: number;
  commitMeanMs: number;
  commitP50Ms: number;
  commitP99Ms: number;
  commitMaxMs: number;
  firstHundredBlocksPerSec: number;
  lastHundredBlocksPerSec: number;
  diskMiB: number;
  /** Bytes this process wrote to storage per committed block (LevelDB's compactions included): write amplification. */
  writtenMiBPerBlock: number;
  readBlockMeanMs: number;
  readBlockP99Ms: number;
  readTxMeanUs: number;
  readTxP99Us: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r2 = (x: number) => Math.round(x * 100) / 100;

// What Linux counts as written to storage by this process, background LevelDB threads included.
function storageWriteBytes(): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function timeEach(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await op(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function runDesign(key: string, blocks: number, reads: number, root: string): Promise<Row> {
  const dir = path.join(root, key);
  const design = await DESIGNS[key]!(dir);
  const commitMs: number[] = [];
  const written0 = storageWriteBytes();
  for (let n = 0; n < blocks; n++) {
    const load = makeBlockLoad(n);
    const t0 = performance.now();
    await design.commit(load);
    commitMs.push(performance.now() - t0);
    if ((n + 1) % 100 === 0) process.stdout.write(`  ${design.name}: ${n + 1} blocks\r`);
  }
  const written = storageWriteBytes() - written0;
  const rng = createRng(3);
  const blockMs = await timeEach(reads, () => design.readBlock(rngIntBelow(rng, blocks)));
  const txMs = await timeEach(reads * 5, () => design.readTx(txIdOf(rngIntBelow(rng, blocks), rngIntBelow(rng, BLOCK_TXS))));
  await design.close();
  const disk = diskBytes(dir);
  rmSync(dir, { recursive: true, force: true });

  const sorted = [...commitMs].sort((a, b) => a - b);
  const total = commitMs.reduce((a, b) => a + b, 0);
  const rate = (xs: number[]) => 1000 * xs.length / xs.reduce((a, b) => a + b, 0);
  const bs = [...blockMs].sort((a, b) => a - b);
  const ts = [...txMs].sort((a, b) => a - b);
  return {
    design: design.name,
    blocks,
    blocksPerSec: r2(1000 * blocks / total),
    txPerSec: Math.round(1000 * blocks * BLOCK_TXS / total),
    commitMeanMs: r2(mean(commitMs)),
    commitP50Ms: r2(quantile(sorted, 0.5)),
    commitP99Ms: r2(quantile(sorted, 0.99)),
    commitMaxMs: r2(sorted[sorted.length - 1]!),
    firstHundredBlocksPerSec: r2(rate(commitMs.slice(0, 100))),
    lastHundredBlocksPerSec: r2(rate(commitMs.slice(-100))),
    diskMiB: Math.round(disk / 2 ** 20),
    writtenMiBPerBlock: r2(written / blocks / 2 ** 20),
    readBlockMeanMs: r2(mean(blockMs)),
    readBlockP99Ms: r2(quantile(bs, 0.99)),
    readTxMeanUs: Math.round(1000 * mean(txMs)),
    readTxP99Us: Math.round(1000 * quantile(ts, 0.99)),
  };
}

const blocks = Number(arg('blocks', '300'));
const reads = Number(arg('reads', '400'));
const keys = arg('designs', 'a,a64,b,b1').split(',');
for (const k of keys) if (!DESIGNS[k]) throw new Error(`unknown design "${k}"; known: ${Object.keys(DESIGNS).join(', ')}`);
const root = mkdtempSync(path.join(os.tmpdir(), 'alliance-block-sustained-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
console.log(`block store, sustained: ${blocks} blocks of ${BLOCK_TXS} tx per design (Node ${process.version}, ${os.cpus().length} cores)`);
const rows: Row[] = [];
for (const k of keys) {
  const row = await runDesign(k, blocks, reads, root);
  rows.push(row);
  console.log(JSON.stringify(row));
}
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'ledger-block-store-sustained.json'), JSON.stringify({
  date: new Date().toISOString(),
  command: `node dist/ledger/block-store-sustained.js --blocks ${blocks} --reads ${reads} --designs ${keys.join(',')}`,
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
  node: process.version,
  rows,
}, null, 2) + '\n');
