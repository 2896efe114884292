/**
 * CPU accounting for the endorsement benchmarks: CPU time per thread of
 * this process (Linux schedstat), grouped into the main thread, threads
 * started during a case's warm-up (the crypto workers) and every other
 * thread (libuv's pool running LevelDB reads, V8's GC and compiler
 * threads), and how much of the machine other processes took meanwhile
 * (the bench machine is shared). Off Linux every figure is NaN.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU ns of each thread of this process so far. */
export function threadCpuNs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Busy CPU ms of the whole machine so far (/proc/stat, USER_HZ 100); NaN off Linux. */
export function machineBusyMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
  } catch {
    return NaN;
  }
}

/** CPU µs per operation by thread group, and the share of the machine other processes used. */
export interface CpuSplit {
  readonly totalUs: number;
  readonly mainUs: number;
  readonly spawnedUs: number;
  readonly otherThreadsUs: number;
  readonly otherProcessesPct: number;
}

/** Measures from `start()` to `stop(ops)`; `spawned` names the threads counted as workers. */
export class CpuMeter {
  private threads0 = new Map<number, number>();
  private machine0 = 0;
  private wall0 = 0;
  private spawned = new Set<number>();

  /** Threads that exist now; those appearing before `start` count as spawned. */
  mark(): void {
    this.spawned = new Set(threadCpuNs().keys());
  }

  start(): void {
    const now = threadCpuNs();
    this.spawned = new Set([...now.keys()].filter((t) => !this.spawned.has(t)));
    this.threads0 = now;
    this.machine0 = machineBusyMs();
    this.wall0 = performance.now();
  }

  stop(ops: number): CpuSplit {
    const wallMs = performance.now() - this.wall0;
    const threads1 = threadCpuNs();
    const machineMs = machineBusyMs() - this.machine0;
    let main = 0;
    let spawned = 0;
    let other = 0;
    for (const [tid, ns] of threads1) {
      const d = ns - (this.threads0.get(tid) ?? 0);
      if (tid === process.pid) main += d;
      else if (this.spawned.has(tid)) spawned += d;
      else other += d;
    }
    const perOp = (ns: number) => Math.round(ns / 1000 / ops);
    const ownMs = (main + spawned + other) / 1e6;
    return {
      totalUs: perOp(main + spawned + other),
      mainUs: perOp(main),
      spawnedUs: perOp(spawned),
      otherThreadsUs: perOp(other),
      otherProcessesPct: Math.round((100 * Math.max(0, machineMs - ownMs)) / (os.cpus().length * wallMs)),
    };
  }
}
