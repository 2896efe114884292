/**
 * Where the commit time goes (issue #3). For each worker count, runs a child
 * process (plain, then under `node --cpu-prof`) that commits the same chain as
 * commit.bench.ts (4 blocks in flight) to a fresh ledger on disk, with the
 * KvStore and block files wrapped to time getMany, write (synced batch) and
 * append (write + fdatasync). The CPU profiles of the main thread and of
 * every signature worker are then cut to the measured blocks and their
 * samples attributed to pipeline stages (cpu-profile-split.ts). Also times
 * raw `node:crypto` ECDSA verifies, for the 3-verifies-per-tx reference.
 * Prints tables and writes bench/results/ledger-commit-split.json.
 *
 *   node dist/ledger/commit-split.js [--workers 1,2] [--blocks 40] [--interval-us 250] [--depth 4] [--node-flags "..."] [--profile no] [--alloc yes]
 *     [--level-write-buffer-mib N] [--level-compression no]
 *
 * Each worker count runs twice: plain (throughput, CPU time per thread from
 * /proc schedstat) and profiled (the split). Per thread, a stage's CPU is
 * its share of the profile's samples times the thread's CPU time. Other
 * processes' CPU in the window is reported: on a shared machine, a run they
 * disturbed is worth repeating. --node-flags go to both children (e.g.
 * "--max-semi-space-size=64"). --alloc yes adds a run under V8's sampling
 * heap profiler (objects already collected included): bytes allocated on
 * the main thread per transaction, by allocating function. The --level-*
 * options open the ledger's LevelDB with other tuning (experiments; the
 * ledger itself uses LevelDB's defaults).
 */
import { execFileSync } from 'node:child_process';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FsBlockFileStore, Ledger, LevelKvStore, type BlockFileStore, type KvStore } from '@alliance/ledger';
import { BLOCK_TXS, buildCommitChain } from './commit-chain.js';
import { splitProfiles, type ThreadSplit } from './cpu-profile-split.js';

const WARMUP_BLOCKS = 3;
const RAW_VERIFIES = 3_000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Blocks offered at once (--depth; the ledger's PIPELINE_BLOCKS_MAX is 4). */
const PIPELINE_DEPTH = Number(arg('depth', '4'));

/** Wall time of calls to some methods of a store, from the measured window on. */
class CallTimes {
  readonly ms: Record<string, number> = {};
  readonly calls: Record<string, number> = {};
  /** getMany: keys per call. */
  readonly keys: number[] = [];
  on = false;

  wrap<T extends object>(target: T, methods: readonly string[]): T {
    return new Proxy(target, {
      get: (t, prop) => {
        const v: unknown = Reflect.get(t, prop, t);
        if (typeof v !== 'function') return v;
        const fn = v as (...a: unknown[]) => unknown;
        if (typeof prop !== 'string' || !methods.includes(prop)) return fn.bind(t);
        return async (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return await fn.apply(t, args);
          } finally {
            if (this.on) {
              this.ms[prop] = (this.ms[prop] ?? 0) + performance.now() - t0;
              this.calls[prop] = (this.calls[prop] ?? 0) + 1;
              if (prop === 'getMany') this.keys.push((args[0] as unknown[]).length);
            }
          }
        };
      },
    });
  }
}

/** CPU time and run-queue wait of each thread of this process so far (Linux schedstat, ns). */
function threadTimes(): Map<number, { cpuNs: number; waitNs: number }> {
  const out = new Map<number, { cpuNs: number; waitNs: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      out.set(Number(tid), { cpuNs: cpu!, waitNs: wait! });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Busy CPU time of the whole machine so far, all cores (/proc/stat: user, nice, system, irq, softirq, steal; USER_HZ 100). */
function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / 100;
}

/** CPU and run-queue wait (ms) in the measured window, per group of threads. */
export interface ThreadGroupTimes {
  readonly cpuMs: number;
  /** Time runnable but not running: the threads wanted more CPU than the cores gave. */
  readonly waitMs: number;
  readonly threads: number;
}

function groupTimes(start: Map<number, { cpuNs: number; waitNs: number }>, end: Map<number, { cpuNs: number; waitNs: number }>, tids: readonly number[]): ThreadGroupTimes {
  let cpuNs = 0;
  let waitNs = 0;
  for (const tid of tids) {
    const a = start.get(tid) ?? { cpuNs: 0, waitNs: 0 };
    const b = end.get(tid) ?? a;
    cpuNs += b.cpuNs - a.cpuNs;
    waitNs += b.waitNs - a.waitNs;
  }
  return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6, threads: tids.length };
}

/** What the child reports. */
interface ChildResult {
  workers: number;
  blocks: number;
  wallMs: number;
  txPerSec: number;
  /** Monotonic µs, the CPU profiles' clock. */
  windowStartUs: number;
  windowEndUs: number;
  storeMs: Record<string, number>;
  storeCalls: Record<string, number>;
  getManyKeys: number[];
  /**
   * main: the event loop's thread; workers: the signature pool's threads;
   * helpers: every other thread of the process (libuv pool running LevelDB
   * reads and writes and the block file's write + fdatasync, LevelDB
   * compaction, V8's concurrent GC and compiler threads, the main thread's
   * profiler sampler; Linux names them all "node", so they are not told
   * apart); samplers: the other threads that started with the pool (under
   * --cpu-prof, the workers' profiler samplers: profiling cost).
   */
  threads: { main: ThreadGroupTimes; workers: ThreadGroupTimes; helpers: ThreadGroupTimes; samplers: ThreadGroupTimes };
  /** The main thread's GC pauses in the window (concurrent GC work runs on helper threads and is not here). */
  gc: Record<string, { count: number; ms: number }>;
  /** CPU of the whole machine in the window (/proc/stat), and the part other processes used. */
  machineCpuMs: number;
  otherProcessesCpuMs: number;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function child(workers: number, blocks: number, out: string): Promise<void> {
  const chain = buildCommitChain(WARMUP_BLOCKS + blocks);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alliance-commit-split-'));
  try {
    const times = new CallTimes();
    // Experiments with LevelDB's tuning (the ledger opens it with LevelDB's defaults).
    const writeBufferMiB = Number(arg('level-write-buffer-mib', '0'));
    const compression = arg('level-compression', 'yes') !== 'no';
    const kv = times.wrap<KvStore>(await LevelKvStore.open(path.join(dir, 'index'), {
      ...(writeBufferMiB > 0 ? { writeBufferSizeBytes: writeBufferMiB * 1024 * 1024 } : {}),
      ...(compression ? {} : { compression: false }),
    }), ['getMany', 'write']);
    const blockFiles = times.wrap<BlockFileStore>(await FsBlockFileStore.open(path.join(dir, 'blocks')), ['append']);
    const ledger = await Ledger.open({ dir, kv, blockFiles, workers });
    // The pool starts with the genesis block: the threads that appear then are its workers (and,
    // under --cpu-prof, one sampling thread per worker; the busiest `workers` of them are the workers).
    const before = new Set(threadTimes().keys());
    await ledger.commitBlock(chain.genesis);
    const newTids = [...threadTimes().keys()].filter((t) => !before.has(t));
    if (newTids.length < workers) throw new Error(`expected at least ${workers} new threads with the signature pool, found ${newTids.length}`);
    for (const b of [...chain.seed, ...chain.rw.slice(0, WARMUP_BLOCKS)]) await ledger.commitBlock(b);
    const measured = chain.rw.slice(WARMUP_BLOCKS);
    let next = 0;
    let invalid = 0;
    const lane = async (): Promise<void> => {
      while (next < measured.length) {
        const r = await ledger.commitBlock(measured[next++]!);
        for (const c of r.codes) if (c !== 0) invalid++;
      }
    };
    const gc: Record<string, { count: number; ms: number }> = {};
    const gcKinds: Record<number, string> = {
      [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
      [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking', [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
    };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = gcKinds[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
        const g = (gc[kind] ??= { count: 0, ms: 0 });
        g.count++;
        g.ms += e.duration;
      }
    });
    const heapSampleFile = arg('heap-sample', '');
    const session = heapSampleFile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    gcObserver.observe({ entryTypes: ['gc'] });
    times.on = true;
    const threads0 = threadTimes();
    const machine0 = machineBusyMs();
    const windowStartUs = monotonicUs();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PIPELINE_DEPTH }, lane));
    const wallMs = performance.now() - t0;
    const windowEndUs = monotonicUs();
    const threads1 = threadTimes();
    const machineCpuMs = machineBusyMs() - machine0;
    times.on = false;
    gcObserver.disconnect();
    if (session) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(heapSampleFile, JSON.stringify(profile));
      session.disconnect();
    }
    const cpuOf = (t: number): number => (threads1.get(t)?.cpuNs ?? 0) - (threads0.get(t)?.cpuNs ?? 0);
    const workerTids = [...newTids].sort((a, b) => cpuOf(b) - cpuOf(a)).slice(0, workers);
    const threads = {
      main: groupTimes(threads0, threads1, [process.pid]),
      workers: groupTimes(threads0, threads1, workerTids),
      helpers: groupTimes(threads0, threads1, [...new Set([...threads0.keys(), ...threads1.keys()])].filter((t) => t !== process.pid && !newTids.includes(t))),
      samplers: groupTimes(threads0, threads1, newTids.filter((t) => !workerTids.includes(t))),
    };
    const processCpuMs = [threads.main, threads.workers, threads.helpers, threads.samplers].reduce((a, g) => a + g.cpuMs, 0);
    await ledger.close();
    if (invalid > 0) throw new Error(`${invalid} measured transactions were not VALID`);
    const result: ChildResult = {
      workers, blocks, wallMs, txPerSec: (blocks * BLOCK_TXS * 1000) / wallMs, windowStartUs, windowEndUs,
      storeMs: times.ms, storeCalls: times.calls, getManyKeys: times.keys, threads,
      gc, machineCpuMs, otherProcessesCpuMs: Math.max(0, machineCpuMs - processCpuMs),
    };
    writeFileSync(out, JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** µs per raw ECDSA P-256 verify with a cached KeyObject (the reference the issue's 10,000 tx/s cap rests on). */
function rawVerifyUs(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = new Uint8Array(1_200).fill(5);
  const sig = createSign('sha256').update(data).sign(privateKey);
  for (let i = 0; i < 200; i++) createVerify('sha256').update(data).verify(publicKey, sig);
  const t0 = performance.now();
  for (let i = 0; i < RAW_VERIFIES; i++) {
    if (!createVerify('sha256').update(data).verify(publicKey, sig)) throw new Error('assertion failed: the reference signature verifies');
  }
  return ((performance.now() - t0) * 1000) / RAW_VERIFIES;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** The part of a V8 SamplingHeapProfile read here. */
interface SamplingHeapProfile {
  head: HeapNode;
  samples: { size: number; nodeId: number }[];
}
interface HeapNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: HeapNode[];
}

/** Sampled bytes in all, and by allocating function (self), largest first. */
function allocationSites(p: SamplingHeapProfile): { totalBytes: number; sites: [string, number][] } {
  const site = new Map<number, string>();
  const walk = (n: HeapNode): void => {
    const f = n.callFrame;
    site.set(n.id, `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
    for (const c of n.children) walk(c);
  };
  walk(p.head);
  const bytes = new Map<string, number>();
  let totalBytes = 0;
  for (const s of p.samples) {
    const label = site.get(s.nodeId) ?? '?';
    bytes.set(label, (bytes.get(label) ?? 0) + s.size);
    totalBytes += s.size;
  }
  return { totalBytes, sites: [...bytes].sort((a, b) => b[1] - a[1]) };
}

/**
 * One thread's stages: the profile's share of each stage times the thread's
 * CPU time from schedstat (the profiler's sample intervals are wall time,
 * which also counts time a thread waited for a core).
 */
function printSplit(label: string, s: ThreadSplit, cpu: ThreadGroupTimes, txs: number, wallMs: number): Record<string, number> {
  const scale = cpu.cpuMs / s.cpuMs;
  console.log(`  ${label}: ${r1(cpu.cpuMs)} ms CPU (${r1((100 * cpu.cpuMs) / wallMs)}% of a core), waited ${r1(cpu.waitMs)} ms for a core; ${r1((cpu.cpuMs * 1000) / txs)} µs CPU per tx`);
  const out: Record<string, number> = {};
  for (const [stage, ms] of Object.entries(s.stages).sort((a, b) => b[1] - a[1])) {
    const cpuMs = ms * scale;
    out[stage] = r1(cpuMs);
    if ((cpuMs * 1000) / txs < 0.5) continue;
    console.log(`    ${stage.padEnd(48)} ${r1(cpuMs).toString().padStart(8)} ms ${r1((cpuMs * 1000) / txs).toString().padStart(7)} µs/tx ${r1((100 * ms) / s.cpuMs).toString().padStart(5)}%`);
  }
  return out;
}

/** The stages of several threads summed (the workers, whose CPU is known together). */
function mergeSplits(splits: readonly ThreadSplit[]): ThreadSplit {
  const stages: Record<string, number> = {};
  for (const sp of splits) for (const [k, ms] of Object.entries(sp.stages)) stages[k] = (stages[k] ?? 0) + ms;
  return { cpuMs: splits.reduce((a, sp) => a + sp.cpuMs, 0), idleMs: splits.reduce((a, sp) => a + sp.idleMs, 0), stages };
}

// Child options passed through from the parent's command line.
const CHILD_OPTIONS = ['level-write-buffer-mib', 'level-compression', 'depth'];

function runChild(self: string, nodeFlags: readonly string[], workers: number, blocks: number, dir: string, extra: readonly string[] = []): ChildResult {
  for (const o of CHILD_OPTIONS) if (process.argv.includes(`--${o}`)) extra = [...extra, `--${o}`, arg(o, '')];
  const out = path.join(dir, 'result.json');
  execFileSync(process.execPath, [...nodeFlags, self, '--child', String(workers), '--blocks', String(blocks), '--out', out, ...extra], { stdio: 'inherit' });
  return JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
}

function printThreads(r: ChildResult, txs: number): void {
  const t = r.threads;
  const perTx = (ms: number): string => `${r1((ms * 1000) / txs)} µs/tx`;
  const processCpuMs = t.main.cpuMs + t.workers.cpuMs + t.helpers.cpuMs + t.samplers.cpuMs;
  console.log(`  CPU: process ${r1(processCpuMs)} ms (${perTx(processCpuMs)}) = main ${perTx(t.main.cpuMs)} + signature workers ${perTx(t.workers.cpuMs)} + helper threads ${perTx(t.helpers.cpuMs)}${t.samplers.cpuMs > 0 ? ` + worker profilers ${perTx(t.samplers.cpuMs)}` : ''}`);
  console.log(`  main thread busy ${r1((100 * t.main.cpuMs) / r.wallMs)}% of the wall time, waited ${r1(t.main.waitMs)} ms for a core; workers waited ${r1(t.workers.waitMs)} ms`);
  console.log(`  other processes used ${r1(r.otherProcessesCpuMs)} ms of the machine's ${r1(os.cpus().length * r.wallMs)} ms (${r1((100 * r.otherProcessesCpuMs) / (os.cpus().length * r.wallMs))}%)`);
  const calls = Object.entries(r.storeMs).map(([m, ms]) => `${m} ${r1(ms / r.blocks)} ms (${(r.storeCalls[m] ?? 0) / r.blocks}x)`).join(', ');
  console.log(`  main-thread GC pauses: ${Object.entries(r.gc).map(([kind, g]) => `${kind} ${g.count}x ${r1(g.ms)} ms`).join(', ')}`);
  const k = r.getManyKeys;
  console.log(`  store calls per block, wall from call to settle: ${calls}; getMany keys per call ${k.length ? `${Math.min(...k)}..${Math.max(...k)}` : '-'}`);
}

async function parent(): Promise<void> {
  const workerCounts = arg('workers', '1,2').split(',').map(Number);
  const blocks = Number(arg('blocks', '40'));
  const intervalUs = Number(arg('interval-us', '250'));
  const nodeFlags = arg('node-flags', '').split(' ').filter((f) => f !== '');
  const profile = arg('profile', 'yes') !== 'no';
  const alloc = arg('alloc', 'no') === 'yes';
  const self = fileURLToPath(import.meta.url);
  const benchDir = path.resolve(path.dirname(self), '../..');
  const verifyUs = rawVerifyUs();
  const txs = blocks * BLOCK_TXS;
  console.log(`raw node:crypto P-256 verify, cached key: ${r1(verifyUs)} µs; 3 per tx = ${r1(3 * verifyUs)} µs/tx${nodeFlags.length ? `; node flags: ${nodeFlags.join(' ')}` : ''}`);
  const runs = [];
  for (const workers of workerCounts) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alliance-commit-prof-'));
    try {
      const plain = runChild(self, nodeFlags, workers, blocks, dir);
      console.log(`\n== ${workers} worker(s), ${blocks} blocks x ${BLOCK_TXS} tx, ${PIPELINE_DEPTH} in flight: ${Math.round(plain.txPerSec)} tx/s (${r1(plain.wallMs)} ms)`);
      printThreads(plain, txs);
      if (alloc) {
        const heapFile = path.join(dir, 'heap.json');
        runChild(self, nodeFlags, workers, blocks, dir, ['--heap-sample', heapFile]);
        const a = allocationSites(JSON.parse(readFileSync(heapFile, 'utf8')) as SamplingHeapProfile);
        console.log(`  -- main-thread allocation (sampled, objects collected since included): ${r1(a.totalBytes / txs / 1024)} KiB per tx; top sites:`);
        for (const [site, bytes] of a.sites.slice(0, 12)) console.log(`    ${r1(bytes / txs).toString().padStart(8)} B/tx  ${site}`);
      }
      if (!profile) {
        runs.push({ workers, plain: { ...plain, getManyKeys: undefined, windowStartUs: undefined, windowEndUs: undefined } });
        continue;
      }
      const profiled = runChild(self, [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${intervalUs}`], workers, blocks, dir);
      const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
      const split = splitProfiles(profiles, profiled.windowStartUs, profiled.windowEndUs);
      const t = profiled.threads;
      console.log(`  -- profiled run (every ${intervalUs} µs): ${Math.round(profiled.txPerSec)} tx/s`);
      printThreads(profiled, txs);
      const stages = {
        main: printSplit('main thread', split.main, t.main, txs, profiled.wallMs),
        workers: printSplit(`signature workers (${split.workers.length}) together`, mergeSplits(split.workers), t.workers, txs, profiled.wallMs),
      };
      const strip = (r: ChildResult) => ({ ...r, getManyKeys: undefined, windowStartUs: undefined, windowEndUs: undefined });
      runs.push({ workers, plain: strip(plain), profiled: { ...strip(profiled), stagesCpuMs: stages } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const cpus = os.cpus();
  mkdirSync(path.join(benchDir, 'results'), { recursive: true });
  writeFileSync(path.join(benchDir, 'results', 'ledger-commit-split.json'), JSON.stringify({
    suite: 'ledger-commit-split', date: new Date().toISOString(), command: `node dist/ledger/commit-split.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()} ${os.arch()}` },
    node: process.version, nodeFlags, rawVerifyUs: r1(verifyUs), profileIntervalUs: intervalUs, runs,
  }, null, 2) + '\n');
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(Number(process.argv[childAt + 1]), Number(arg('blocks', '40')), arg('out', ''));
else await parent();
