/**
 * Commit throughput on disk (issue #3): `Ledger.commitBlock` on a fresh
 * ledger in a temporary directory, blocks of 500 endorsed transactions
 * (2 endorsements under AND('Org1MSP.peer','Org2MSP.peer'), 4 reads at
 * their committed versions, 4 writes of 100 B; all VALID), built once in
 * setup (commit-chain.ts). Each case opens its own ledger and, untimed,
 * commits genesis, the seed blocks and WARMUP_BLOCKS read-write blocks (JIT,
 * worker identity caches); then it commits MEASURED_BLOCKS blocks, one per
 * call, keeping up to `concurrency` blocks offered at once so the pipeline
 * overlaps signature checks of later blocks with the commit of earlier ones.
 *
 * ops = transactions: ops/s is committed tx/s over the wall time of the
 * measured blocks (blocks/s = ops/s / 500). mean and p99 are one block's
 * latency from offer to durable commit, under that load (with 4 in flight a
 * block waits behind up to 3 others).
 *
 * Where the time goes: commit-split.ts (same chain, instrumented stores,
 * CPU profiles).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger } from '@alliance/ledger';
import type { BenchCase } from '../lib/suite.js';
import { BLOCK_TXS, buildCommitChain, type CommitChain } from './commit-chain.js';

/** Read-write blocks committed untimed after the seed blocks. */
export const WARMUP_BLOCKS = 3;
/** Read-write blocks each case commits under the clock (20,000 transactions). */
export const MEASURED_BLOCKS = 40;
/** Blocks offered at once: the ledger's PIPELINE_BLOCKS_MAX. */
const PIPELINE_DEPTH = 4;

/** Busy CPU ms of the whole machine so far (/proc/stat, USER_HZ 100); NaN off Linux. */
function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
  } catch {
    return NaN;
  }
}

/** CPU ms this process has used so far (all threads). */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface CommitCase {
  readonly workers: number;
  readonly depth: number;
}

const CASES: readonly CommitCase[] = [
  { workers: 1, depth: PIPELINE_DEPTH },
  { workers: 2, depth: PIPELINE_DEPTH },
  { workers: 2, depth: 1 },
];

function commitCase(chain: CommitChain, root: string, spec: CommitCase): BenchCase {
  let ledger: Ledger | undefined;
  let dir = '';
  let next = 0;
  let invalid = 0;
  let machine0 = 0;
  let process0 = 0;
  let wall0 = 0;
  const measured = chain.rw.slice(WARMUP_BLOCKS);
  return {
    name: `commit ${BLOCK_TXS}-tx blocks, ${spec.workers} worker${spec.workers > 1 ? 's' : ''}, ${spec.depth} in flight`,
    iterations: measured.length,
    concurrency: spec.depth,
    opsPerCall: BLOCK_TXS,
    note: `ops = tx (blocks/s = ops/s / ${BLOCK_TXS}); latency = offer to durable commit of one block; on disk (${tmpdir()})`,
    before: async () => {
      dir = mkdtempSync(path.join(root, `w${spec.workers}-d${spec.depth}-`));
      ledger = await Ledger.open({ dir, workers: spec.workers });
      await ledger.commitBlock(chain.genesis);
      for (const b of [...chain.seed, ...chain.rw.slice(0, WARMUP_BLOCKS)]) await ledger.commitBlock(b);
      next = 0;
      invalid = 0;
      machine0 = machineBusyMs();
      process0 = processCpuMs();
      wall0 = performance.now();
    },
    fn: async () => {
      const r = await ledger!.commitBlock(measured[next++]!);
      for (const code of r.codes) if (code !== 0) invalid++;
    },
    after: async () => {
      // The machine may be shared: say how much of it other processes took while this case ran.
      const wallMs = performance.now() - wall0;
      const ownMs = processCpuMs() - process0;
      const othersMs = Math.max(0, machineBusyMs() - machine0 - ownMs);
      console.log(`  (${spec.workers} worker(s), ${spec.depth} in flight: this process used ${Math.round((ownMs * 1000) / (measured.length * BLOCK_TXS))} µs CPU per tx; other processes ${Math.round((100 * othersMs) / (os.cpus().length * wallMs))}% of the machine)`);
      const height = ledger!.height;
      await ledger!.close();
      rmSync(dir, { recursive: true, force: true });
      // Not a speed assertion: a run whose transactions were not all VALID measured another workload.
      if (invalid > 0) throw new Error(`${invalid} measured transactions were not VALID; the chain is wrong`);
      const expected = 1 + chain.seed.length + chain.rw.length;
      if (height !== expected) throw new Error(`ledger height ${height}, expected ${expected}`);
    },
  };
}

export default function setup(): BenchCase[] {
  const t0 = performance.now();
  const chain = buildCommitChain(WARMUP_BLOCKS + MEASURED_BLOCKS);
  console.log(`  (built ${1 + chain.seed.length + chain.rw.length} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s, untimed)`);
  const root = mkdtempSync(path.join(tmpdir(), 'alliance-commit-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  return CASES.map((spec) => commitCase(chain, root, spec));
}
