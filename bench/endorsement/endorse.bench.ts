/**
 * Endorsements per second of one endorser (issue #4): `processProposal` of
 * pre-signed proposals (proposal checks with the creator's signature
 * verify, duplicate check, simulation of the `bench` contract — 4 reads of
 * existing keys and 4 writes on a LevelDB state of 1M keys, plus the
 * definition read from `_lifecycle` — the ProposalResponsePayload, and the
 * endorsement signature), with many proposals in flight, as a peer serving
 * many clients sees them.
 *
 * ops = endorsements: ops/s is endorsements over the wall time of the
 * measured calls; mean and p99 are one proposal's latency under that load
 * (p50 in the note). Each case opens its own endorser, endorses
 * WARMUP_PROPOSALS untimed (JIT, identity caches, worker start), then
 * MEASURED_PROPOSALS under the clock. Its note gives the CPU per
 * endorsement by thread group and how busy other processes kept the
 * machine (a shared machine: a case they disturbed is worth rerunning).
 *
 * The first cases take the endorser's optimizations away one at a time
 * (crypto inline and/or one snapshot per simulation), for before/after.
 * Where the time goes stage by stage: split.bench.ts.
 */
import type { Endorser, EndorserOptions, ProposalOutcome } from '@alliance/endorsement';
import type { Ledger } from '@alliance/ledger';
import { parseProposalResponse, verifySignature } from '@alliance/protocol';
import type { BenchCase } from '../lib/suite.js';
import { CpuMeter, type CpuSplit } from './cpu-meter.js';
import { benchEndorser, openBenchLedger, signedProposals } from './endorse-load.js';
import { endorseWorld, type EndorseWorld } from './endorse-state.js';

/** Proposals endorsed untimed before each case's measurement. */
const WARMUP_PROPOSALS = 4_000;
/** Proposals each case endorses under the clock. */
const MEASURED_PROPOSALS = 40_000;
/** Fixed seed of the keys the proposals name. */
const SEED = 4;

interface EndorseCase {
  readonly inFlight: number;
  /** Endorser options that differ from its defaults. */
  readonly options: Pick<EndorserOptions, 'cryptoWorkers' | 'shareSnapshots'>;
  readonly proposals?: number;
}

const CASES: readonly EndorseCase[] = [
  // Before issue #4's changes: signatures on the event loop, one snapshot and separate reads per simulation.
  { inFlight: 256, options: { cryptoWorkers: 0, shareSnapshots: false } },
  { inFlight: 256, options: { cryptoWorkers: 0 } },
  { inFlight: 256, options: { cryptoWorkers: 1, shareSnapshots: false } },
  { inFlight: 256, options: { cryptoWorkers: 1 } },
  { inFlight: 256, options: { cryptoWorkers: 2 } },
  // The endorser as configured by default.
  { inFlight: 64, options: {} },
  { inFlight: 256, options: {} },
  { inFlight: 1, options: {}, proposals: 5_000 },
  { inFlight: 1, options: { cryptoWorkers: 0 }, proposals: 5_000 },
];

function label(spec: EndorseCase): string {
  const o = spec.options;
  const crypto = o.cryptoWorkers === undefined ? 'default crypto workers' : o.cryptoWorkers === 0 ? 'crypto inline' : `${o.cryptoWorkers} crypto worker${o.cryptoWorkers > 1 ? 's' : ''}`;
  const reads = o.shareSnapshots === false ? ', own snapshot per simulation' : '';
  return `endorse 4r/4w on 1M keys, ${spec.inFlight} in flight, ${crypto}${reads}`;
}

function describe(split: CpuSplit | undefined, p50Us: number): string {
  const base = `ops = endorsements; latency = one proposal under that load, p50 ${Math.round(p50Us)} µs`;
  if (!split) return base;
  return `${base}; CPU per endorsement ${split.totalUs} µs = main ${split.mainUs} + crypto workers ${split.spawnedUs} + other threads ${split.otherThreadsUs}`
    + ` (LevelDB reads in libuv's pool, GC); other processes used ${split.otherProcessesPct}% of the machine`;
}

let ledger: Ledger | undefined;

function endorseCase(world: EndorseWorld, proposals: readonly Uint8Array[], spec: EndorseCase): BenchCase {
  const measured = spec.proposals ?? MEASURED_PROPOSALS;
  const meter = new CpuMeter();
  let endorser: Endorser | undefined;
  let next = 0;
  let refused = 0;
  let firstRefusal = '';
  let sample: ProposalOutcome | undefined;
  let split: CpuSplit | undefined;
  const latenciesUs: number[] = [];
  const endorse = async (bytes: Uint8Array): Promise<void> => {
    const o = await endorser!.processProposal(bytes);
    if (o.endorsed) sample ??= o;
    else if (refused++ === 0) firstRefusal = `${o.response.status} ${o.response.message}`;
  };
  return {
    name: label(spec),
    iterations: measured,
    concurrency: spec.inFlight,
    get note() {
      const sorted = [...latenciesUs].sort((a, b) => a - b);
      return describe(split, sorted[Math.floor(sorted.length / 2)] ?? NaN);
    },
    before: async () => {
      meter.mark();
      endorser = benchEndorser(ledger!, world, spec.options);
      let w = 0;
      await Promise.all(Array.from({ length: spec.inFlight }, async () => {
        while (w < WARMUP_PROPOSALS) await endorse(proposals[MEASURED_PROPOSALS + w++]!);
      }));
      next = 0;
      latenciesUs.length = 0;
      meter.start();
    },
    fn: async () => {
      const t0 = performance.now();
      await endorse(proposals[next++]!);
      latenciesUs.push((performance.now() - t0) * 1000);
    },
    after: async () => {
      split = meter.stop(measured);
      await endorser!.close();
      // Not a speed assertion: a run that did not endorse everything measured another workload.
      if (refused > 0) throw new Error(`${refused} proposals were not endorsed; first: ${firstRefusal}`);
      if (!sample) throw new Error('no endorsement to check');
      const r = parseProposalResponse(sample.bytes);
      verifySignature(world.orgs[0]!.peer.publicKey, Buffer.concat([r.payload, r.endorsement!.endorser]), r.endorsement!.signature);
      console.log(`  (CPU per endorsement ${split.totalUs} µs = main ${split.mainUs} + crypto workers ${split.spawnedUs} + other threads ${split.otherThreadsUs}; other processes used ${split.otherProcessesPct}% of the machine)`);
    },
  };
}

export default async function setup(): Promise<BenchCase[]> {
  const world = await endorseWorld();
  const t0 = performance.now();
  const proposals = signedProposals(world, MEASURED_PROPOSALS + WARMUP_PROPOSALS, SEED);
  console.log(`  (signed ${proposals.length.toLocaleString('en-US')} proposals in ${((performance.now() - t0) / 1000).toFixed(1)} s, untimed)`);
  ledger = await openBenchLedger(world);
  return CASES.map((spec) => endorseCase(world, proposals, spec));
}

export async function teardown(): Promise<void> {
  await ledger?.close();
  ledger = undefined;
}
