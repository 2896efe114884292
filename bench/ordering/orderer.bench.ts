/**
 * The whole orderer (issue #5, second part): three orderers in one process
 * (orderer-cluster.ts: durable RaftLogStore and FileOrdererBlockStore in a
 * temporary directory each, an in-process asynchronous transport, a 500 ms
 * tick timer), blocks of 500 envelopes of 1 KiB (orderer-load.ts: signed
 * ENDORSER_TRANSACTION envelopes from the channel's clients), IN_FLIGHT
 * envelopes kept in flight at the leader.
 *
 * ops = envelopes ordered into blocks and written on all 3 orderers: the
 * one call of a case submits MEASURED_ENVELOPES and ends when every
 * orderer holds the last block, so ops/s = envelopes / (first submit to
 * last block written everywhere); the note gives blocks/s over the same
 * time, the latency of one envelope (submit to its answer, which comes
 * when the leader wrote its block), and CPU per envelope: the main
 * thread split by instrumented piece (synchronous parts; see Timings in
 * orderer-cluster.ts; "rest" is the Raft core, the chain loop, promise and
 * fs callbacks, GC on the main thread), worker threads, and other threads
 * of this process (libuv's pool doing the WAL and block-file writes and
 * fsyncs and LevelDB, V8's GC helpers). Every orderer seals each block
 * with its own ECDSA signature, so one block costs 3 signatures here.
 *
 * Cases:
 * - broadcast: the leader's BroadcastHandler.submit as configured by
 *   default, Fabric's checks included (parse, size, creator expiry,
 *   signature verified against /Channel/Writers), answering once the
 *   leader wrote the block; creator signatures are verified by its worker
 *   pool (the cores less one threads, batched per event-loop turn; while
 *   the workers are full the event loop verifies 16 per turn itself);
 * - broadcast inline: the same with verifyWorkers 0, every check on the
 *   event loop;
 * - chain: straight to the leader's RaftOrderingChain (the chain Broadcast
 *   calls), no checks: what ordering alone does.
 * Each case opens a fresh cluster and orders WARMUP_ENVELOPES untimed
 * first (JIT, identity caches, workers started). With the pool, "Broadcast
 * checks" is submit's synchronous part; what runs after a worker answers
 * (Writers policy, handing on) and the signatures the event loop verified
 * itself fall in "rest". The machine is shared:
 * the note gives the 1-minute load average before and after, and the
 * share of the machine other processes used during the run.
 */
import { availableParallelism, loadavg } from 'node:os';
import { TestChannel } from '@alliance/ledger/testing';
import { common } from '@alliance/protocol';
import type { BenchCase } from '../lib/suite.js';
import { CpuMeter } from '../endorsement/cpu-meter.js';
import { BLOCK_ENVELOPES, CLUSTER_NODES, OrdererCluster, type Timings } from './orderer-cluster.js';
import { ENVELOPE_BYTES, quantile, runLoad, signedEnvelopes, type LoadResult } from './orderer-load.js';

/** Envelopes ordered under the clock per case (a whole number of blocks: no BatchTimeout at the end). */
const MEASURED_ENVELOPES = 50_000;
/** Envelopes ordered untimed before (JIT, caches). */
const WARMUP_ENVELOPES = 5_000;
/**
 * Envelopes in flight at the leader: 10 blocks, above the 5 Raft keeps in flight (MaxInflightBlocks)
 * and below what the chain's queue holds before refusing (QUEUED_BATCHES_MAX 16 cut batches).
 */
const IN_FLIGHT = 5_000;
/** A run that takes longer is stuck. */
const RUN_TIMEOUT_MS = 300_000;
const SEED = 5;
const { Status } = common;

type Mode = { readonly kind: 'broadcast'; readonly verifyWorkers: number | undefined } | { readonly kind: 'chain' };

function label(mode: Mode): string {
  const what = `orderer ${CLUSTER_NODES} nodes on disk: 1 KiB envelopes, blocks of ${BLOCK_ENVELOPES}, ${IN_FLIGHT} in flight`;
  if (mode.kind === 'chain') return `${what}, straight to the chain (no Broadcast checks)`;
  const workers = Math.max(1, availableParallelism() - 1);
  if (mode.verifyWorkers === 0) return `${what}, via Broadcast (signature + Writers checked), signatures inline`;
  return `${what}, via Broadcast (signature + Writers checked), signatures in ${workers} worker thread${workers > 1 ? 's' : ''}`;
}

interface World {
  readonly tc: TestChannel;
  readonly genesis: Uint8Array;
  readonly signers: ReturnType<TestChannel['identity']>[];
  readonly warmup: Uint8Array[];
  readonly measured: Uint8Array[];
}

function describe(mode: Mode, r: LoadResult, t: Timings, cpu: ReturnType<CpuMeter['stop']>, elu: number, load: readonly [number, number], messages: number): string {
  const n = MEASURED_ENVELOPES;
  const us = (ms: number): string => ((1000 * ms) / n).toFixed(1);
  const named = t.broadcastMs + t.orderMs + t.walSaveMs + t.blockWriteMs + t.waitersMs + t.transportMs;
  const rest = cpu.mainUs - (1000 * named) / n;
  const blocks = n / BLOCK_ENVELOPES;
  return [
    `ops = envelopes in blocks written on all ${CLUSTER_NODES} orderers, first submit to last block; ${Math.round((1000 * blocks) / r.wallMs)} blocks/s`,
    `latency submit→answer p50 ${quantile(r.latenciesMs, 0.5).toFixed(0)} ms, p99 ${quantile(r.latenciesMs, 0.99).toFixed(0)} ms`,
    `CPU µs/envelope: main ${cpu.mainUs} (${mode.kind === 'broadcast' ? `Broadcast checks ${us(t.broadcastMs)}, ` : ''}chain order ${us(t.orderMs)}, WAL save ${us(t.walSaveMs)}, `
      + `block seal+store ${us(t.blockWriteMs)}, commit waiters ${us(t.waitersMs)}, transport codec ${us(t.transportMs)}, rest (Raft, loop, callbacks, GC) ${rest.toFixed(1)}), `
      + `workers ${cpu.spawnedUs}, other threads (fs writes/fsync, LevelDB, GC) ${cpu.otherThreadsUs}`,
    `main event loop busy ${(100 * elu).toFixed(0)}%; ${(messages / n).toFixed(3)} Raft messages/envelope`,
    `durable writes, all nodes: ${(t.walSaves / blocks).toFixed(1)} WAL saves/block, ${(t.walSaveWallMs / t.walSaves).toFixed(1)} ms each to durable; `
      + `${t.blockWrites} block writes, ${(t.blockWriteWallMs / t.blockWrites).toFixed(1)} ms each to durable`,
    `other processes ${cpu.otherProcessesPct}% of the machine; load 1-min ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after`,
  ].join('; ');
}

function ordererCase(mode: Mode, world: World): BenchCase {
  let cluster: OrdererCluster | undefined;
  let result: LoadResult | undefined;
  let note = '';
  const meter = new CpuMeter();
  let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let load0 = 0;
  const target = 1 + (WARMUP_ENVELOPES + MEASURED_ENVELOPES) / BLOCK_ENVELOPES;

  const submitter = (c: OrdererCluster): ((env: Uint8Array) => Promise<number>) => {
    const leader = c.leader;
    if (mode.kind === 'broadcast') return (env) => leader.submit(env).then((r) => r.status);
    return (env) => leader.ordering.order(env, { isConfig: false }).then(() => Status.SUCCESS, () => Status.SERVICE_UNAVAILABLE);
  };

  return {
    name: label(mode),
    opsPerCall: MEASURED_ENVELOPES,
    iterations: 1,
    before: async () => {
      const verifyWorkers = mode.kind === 'broadcast' ? mode.verifyWorkers : undefined;
      cluster = await OrdererCluster.open(world.tc, world.genesis, world.signers, verifyWorkers === undefined ? {} : { verifyWorkers });
      meter.mark();
      const warm = await runLoad(world.warmup, IN_FLIGHT, submitter(cluster), () => cluster!.untilHeight(1 + WARMUP_ENVELOPES / BLOCK_ENVELOPES, RUN_TIMEOUT_MS));
      if (warm.statuses.get(Status.SUCCESS) !== WARMUP_ENVELOPES) throw new Error(`warm-up answers: ${JSON.stringify([...warm.statuses])}`);
      cluster.resetCounters();
      load0 = loadavg()[0]!;
      elu0 = performance.eventLoopUtilization();
      meter.start();
    },
    fn: async () => {
      const c = cluster!;
      result = await runLoad(world.measured, IN_FLIGHT, submitter(c), () => c.untilHeight(target, RUN_TIMEOUT_MS));
    },
    after: async () => {
      const cpu = meter.stop(MEASURED_ENVELOPES);
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const c = cluster!;
      try {
        const r = result!;
        if (r.statuses.get(Status.SUCCESS) !== MEASURED_ENVELOPES) throw new Error(`answers: ${JSON.stringify([...r.statuses])}`);
        await c.checkIdentical();
        if (c.heights()[0] !== target) throw new Error(`heights ${c.heights().join(', ')}, ${target} expected: blocks of ${BLOCK_ENVELOPES}`);
        note = describe(mode, r, c.timings, cpu, elu, [load0, loadavg()[0]!], c.messages);
        console.log(`  (${note})`);
      } finally {
        await c.close();
        cluster = undefined;
      }
    },
    // Read by the runner after `after`.
    get note() {
      return note;
    },
  };
}

export default function setup(): BenchCase[] {
  const tc = TestChannel.create();
  const genesis = tc.genesisBlock();
  const signers = Array.from({ length: CLUSTER_NODES }, (_, i) => tc.identity(tc.ordererOrg.mspId, 'orderer', `orderer${i + 1}.example.com`));
  const all = signedEnvelopes(tc, WARMUP_ENVELOPES + MEASURED_ENVELOPES, SEED);
  const sizes = all.map((e) => e.length);
  if (Math.abs(Math.min(...sizes) - ENVELOPE_BYTES) > 8 || Math.abs(Math.max(...sizes) - ENVELOPE_BYTES) > 8) {
    throw new Error(`assertion failed: envelopes of ${Math.min(...sizes)}..${Math.max(...sizes)} bytes, ~${ENVELOPE_BYTES} wanted`);
  }
  const world: World = { tc, genesis, signers, warmup: all.slice(0, WARMUP_ENVELOPES), measured: all.slice(WARMUP_ENVELOPES) };
  const modes: Mode[] = [{ kind: 'broadcast', verifyWorkers: undefined }, { kind: 'broadcast', verifyWorkers: 0 }, { kind: 'chain' }];
  return modes.map((m) => ordererCase(m, world));
}
