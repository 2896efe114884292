/**
 * Where an endorsement's time goes (issue #4), stage by stage, on the same
 * world and proposals as endorse.bench.ts:
 *
 * - crypto: the creator's signature verify (cached identity) and the
 *   endorsement signature, as the crypto workers run them;
 * - decode and checks: parseSignedProposal; channel, creator (cached),
 *   timestamp and Writers policy;
 * - duplicate check: the transaction index lookup of a new txId (a LevelDB
 *   miss, libuv's pool);
 * - simulation: runContract — contract, stub, simulator, read-write set —
 *   on an in-memory snapshot (no I/O), then on LevelDB with one snapshot
 *   per simulation, and the state reads alone (snapshot, the definition and
 *   4 keys) one by one or batched across 64 simulations;
 * - encoding: the ProposalResponsePayload, and the endorsed ProposalResponse.
 *
 * Synchronous stages are time-boxed (1 / mean latency = ops/s of one
 * thread). Stages with I/O run a fixed count with 64 in flight, as the
 * endorser runs them; their note gives the CPU per operation across all
 * threads, which is what they cost the machine.
 */
import {
  checkParsedProposal, definitionKey, definitionsOf, endorserChannelOf, endorserLedgerOf, runContract, type EndorserLedger,
} from '@alliance/endorsement';
import type { Ledger, StateSnapshot, StateValue } from '@alliance/ledger';
import {
  buildProposalResponse, buildProposalResponsePayload, parseSignedProposal, type Identity, type ParsedProposal,
} from '@alliance/protocol';
import type { BenchCase } from '../lib/suite.js';
import { CpuMeter, type CpuSplit } from './cpu-meter.js';
import { benchContract, openBenchLedger, signedProposals } from './endorse-load.js';
import { CONTRACT, CONTRACT_VERSION, NOW_MS, endorseWorld } from './endorse-state.js';

const PROPOSALS = 4_096;
const SEED = 5;
/** Calls of each stage with I/O, and how many in flight (the endorser's default concurrencyMax). */
const IO_CALLS = 20_000;
const IO_IN_FLIGHT = 64;

let ledger: Ledger | undefined;

/** A fixed-count case with `IO_IN_FLIGHT` calls in flight whose note reports CPU per call. */
function ioCase(name: string, what: string, fn: (i: number) => Promise<unknown>): BenchCase {
  const meter = new CpuMeter();
  let split: CpuSplit | undefined;
  let i = 0;
  return {
    name,
    iterations: IO_CALLS,
    concurrency: IO_IN_FLIGHT,
    get note() {
      return `${what}; CPU per call ${split?.totalUs} µs (main ${split?.mainUs} + other threads ${split?.otherThreadsUs}); other processes used ${split?.otherProcessesPct}% of the machine`;
    },
    before: async () => {
      for (let w = 0; w < 2_000; w++) await fn(w);
      meter.mark();
      meter.start();
      i = 0;
    },
    fn: () => fn(i++),
    after: () => {
      split = meter.stop(IO_CALLS);
      console.log(`  (CPU per call ${split.totalUs} µs: main ${split.mainUs} + other threads ${split.otherThreadsUs}; other processes used ${split.otherProcessesPct}% of the machine)`);
    },
  };
}

export default async function setup(): Promise<BenchCase[]> {
  const world = await endorseWorld();
  const proposals = signedProposals(world, PROPOSALS, SEED);
  ledger = await openBenchLedger(world);
  const l = ledger;
  const channel = endorserChannelOf(l)();
  const parsed: ParsedProposal[] = proposals.map((b) => parseSignedProposal(b));
  const creators: Identity[] = parsed.map((p) => channel.deserializer.deserialize(p.creatorBytes));
  const signer = world.orgs[0]!.peer;
  const definitions = definitionsOf(l);
  const chaincodes = { get: () => benchContract };
  const real = endorserLedgerOf(l);

  // An in-memory stand-in for committed state: every read finds a 114-byte record.
  const definition = definitionKey(CONTRACT);
  const definitionValue = await l.getState('_lifecycle', definition);
  const sampleValue = (await l.getState(CONTRACT, 'k0000000'))!;
  const memorySnapshot: StateSnapshot = {
    height: l.height,
    getState: async (ns): Promise<StateValue | undefined> => (ns === CONTRACT ? sampleValue : definitionValue),
    getStates: async () => { throw new Error('not used'); },
    getStateRange: async function* () { /* not used */ },
    release: async () => undefined,
  };
  const memory: EndorserLedger = { stateSnapshot: () => memorySnapshot, getHistoryForKey: () => { throw new Error('not used'); }, hasTransaction: async () => false };
  const run = (i: number, on: EndorserLedger) => runContract({
    proposal: parsed[i % PROPOSALS]!, creator: creators[i % PROPOSALS]!, chaincode: benchContract, definitions, chaincodes, ledger: on,
    peerMspId: signer.mspId, deadlineMs: 30_000,
  });
  const sample = await run(0, real);
  if (sample.response.status !== 200) throw new Error(`the sample run failed: ${sample.response.message}`);
  const prp = buildProposalResponsePayload({
    proposalHash: parsed[0]!.proposalHash, results: sample.rwset, response: sample.response, chaincodeId: { name: CONTRACT, version: CONTRACT_VERSION },
  });
  const signed = Buffer.concat([prp, signer.serialized]);
  const signature = signer.sign(signed);
  const keysOf = (i: number): string[] => parsed[i % PROPOSALS]!.args.slice(1, 5).map((a) => Buffer.from(a).toString('utf8'));
  let n = 0;

  return [
    { name: 'crypto: verify the creator\'s proposal signature (cached identity)', fn: () => { const i = n++ % PROPOSALS; creators[i]!.verify(parsed[i]!.proposalBytes, parsed[i]!.signature); } },
    { name: 'crypto: sign the endorsement (ProposalResponsePayload + endorser)', fn: () => signer.sign(signed) },
    { name: 'decode: parseSignedProposal (1.1 KB)', fn: () => parseSignedProposal(proposals[n++ % PROPOSALS]!) },
    {
      name: 'checks: proposal checks with the verify (checkParsedProposal)',
      fn: () => checkParsedProposal(parsed[n++ % PROPOSALS]!, channel, 'endorse', NOW_MS, 900_000),
    },
    ioCase('duplicate check: txId not on the ledger (hasTransaction)', 'a LevelDB get that misses, through libuv\'s pool; NOT_FOUND thrown and caught', (i) => real.hasTransaction(parsed[i % PROPOSALS]!.txId)),
    ioCase('simulate: runContract on in-memory state', 'contract, stub, simulator, rwset encoding; no I/O', (i) => run(i, memory)),
    ioCase('simulate: runContract on LevelDB, one snapshot per simulation', 'as the endorser ran it before issue #4', (i) => run(i, real)),
    ioCase('state reads: snapshot + definition + 4 keys, one get each', 'the reads of one simulation alone', async (i) => {
      const s = l.stateSnapshot();
      try {
        await s.getState('_lifecycle', definition);
        for (const k of keysOf(i)) await s.getState(CONTRACT, k);
      } finally {
        await s.release();
      }
    }),
    ioCase('state reads: snapshot + definition + 4 keys, two getStates', 'fewer pool round trips; shared snapshots batch across simulations instead', async (i) => {
      const s = l.stateSnapshot();
      try {
        await s.getStates('_lifecycle', [definition]);
        await s.getStates(CONTRACT, keysOf(i));
      } finally {
        await s.release();
      }
    }),
    {
      name: 'encode: ProposalResponsePayload (rwset 4r/4w + response + chaincode id)',
      fn: () => buildProposalResponsePayload({
        proposalHash: parsed[0]!.proposalHash, results: sample.rwset, response: sample.response, chaincodeId: { name: CONTRACT, version: CONTRACT_VERSION },
      }),
    },
    {
      name: 'encode: endorsed ProposalResponse',
      fn: () => buildProposalResponse({ version: 1, response: sample.response, payload: prp, endorsement: { endorser: signer.serialized, signature } }),
    },
  ];
}

export async function teardown(): Promise<void> {
  await ledger?.close();
  ledger = undefined;
}
