/**
 * Block storage, LevelDB only (A) against block files + LevelDB (B, and B1
 * with the index batch unsynced); see block-store-designs.ts. Setup opens one
 * store per design in a temporary directory and commits PREFILL_BLOCKS
 * blocks (~2.3 MB and 4,500 index/state/history entries each) so the timed
 * commits run while LevelDB compacts, as a live ledger's do. A commit case
 * commits one block per call: ops/s is blocks/s, and tx/s is 500 times that.
 * Read cases pick blocks and transactions uniformly from all committed ones
 * (fixed seed); the page cache holds the files, so they time CPU, syscalls
 * and LevelDB, not the device.
 *
 * For a longer run with per-block latency over 300+ blocks, see
 * block-store-sustained.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRng, rngIntBelow } from '@alliance/ledger';
import type { BenchCase } from '../lib/suite.js';
import { BLOCK_TXS, makeBlockLoad, txIdOf } from './block-load.js';
import { FileBlockDesign, LevelOnlyDesign, type BlockStoreDesign } from './block-store-designs.js';

const PREFILL_BLOCKS = 120;
const READ_SEED = 3;
// Held here until teardown, so the stores' file handles are not closed by
// the garbage collector (which Node warns about).
const openDesigns: BlockStoreDesign[] = [];
let storesRoot = '';

/** After the cases: close the stores (LevelDB finishes its compactions), so they do not run on into later files' timings, and remove them. */
export async function teardown(): Promise<void> {
  for (const d of openDesigns.splice(0)) await d.close();
  if (storesRoot) rmSync(storesRoot, { recursive: true, force: true });
}

export default async function setup(): Promise<BenchCase[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'alliance-block-store-'));
  storesRoot = root;
  // The stores hold ~1.5 GB: removed by teardown, or on any normal exit before it.
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const designs: BlockStoreDesign[] = [
    await LevelOnlyDesign.open(path.join(root, 'a')),
    await FileBlockDesign.open(path.join(root, 'b'), true),
    await FileBlockDesign.open(path.join(root, 'b1'), false),
  ];
  openDesigns.push(...designs);
  const heights = designs.map(() => 0);
  for (let n = 0; n < PREFILL_BLOCKS; n++) {
    const load = makeBlockLoad(n);
    for (let d = 0; d < designs.length; d++) await designs[d]!.commit(load);
  }
  heights.fill(PREFILL_BLOCKS);

  const rng = createRng(READ_SEED);
  let scratch = 1_000_000;
  const cases: BenchCase[] = [{
    name: 'build one block load (reference, no I/O)',
    fn: () => makeBlockLoad(scratch++),
    note: 'included in every commit case below; subtract for storage alone',
  }];
  designs.forEach((design, d) => {
    cases.push({
      name: `${design.name}: commit 1 block (${BLOCK_TXS} tx)`,
      fn: async () => { await design.commit(makeBlockLoad(heights[d]!)); heights[d]!++; },
      note: `ops/s = blocks/s; tx/s = ${BLOCK_TXS} x; after ${PREFILL_BLOCKS} prefilled blocks`,
    });
  });
  designs.forEach((design, d) => {
    cases.push({
      name: `${design.name}: read block by number`,
      fn: () => design.readBlock(rngIntBelow(rng, heights[d]!)),
    });
    cases.push({
      name: `${design.name}: read tx by txId`,
      fn: () => design.readTx(txIdOf(rngIntBelow(rng, heights[d]!), rngIntBelow(rng, BLOCK_TXS))),
    });
  });
  return cases;
}
