/**
 * EXPERIMENT (bench only, not the orderer's code): Broadcast's checks spread
 * over worker threads, to measure what a pool would give the orderer. Each
 * worker (orderer-check-worker.ts) runs the orderer's BroadcastHandler over
 * a stub chain, so a worker's answer is Broadcast's checks alone; the main
 * thread then orders the envelopes that passed straight through
 * RaftOrderingChain. Envelopes cross in batches of up to CHECK_BATCH_MAX
 * (copied by structured clone), batches go to the worker with the fewest
 * envelopes outstanding.
 */
import { Worker } from 'node:worker_threads';
import type { CheckRequest, CheckResponse } from './orderer-check-worker.js';

/** Envelopes per message to a worker: amortizes postMessage, small enough to keep every worker fed. */
const CHECK_BATCH_MAX = 128;

interface Outstanding {
  readonly resolves: ((status: number) => void)[];
  readonly worker: number;
  readonly done?: () => void;
}

export class CheckPool {
  readonly #workers: Worker[] = [];
  readonly #load: number[] = [];
  readonly #outstanding = new Map<number, Outstanding>();
  #batch: Uint8Array[] = [];
  #resolves: ((status: number) => void)[] = [];
  #flushScheduled = false;
  #nextId = 1;
  #failure: unknown;

  constructor(readonly size: number, genesis: Uint8Array, channelId: string, nowMs: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`assertion failed: a pool of ${size} workers`);
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./orderer-check-worker.js', import.meta.url), { workerData: { genesis, channelId, nowMs } });
      w.on('message', (res: CheckResponse) => this.#answered(i, res));
      w.on('error', (err) => {
        this.#failure ??= err;
      });
      this.#workers.push(w);
      this.#load.push(0);
    }
  }

  /** Broadcast's answer (common.Status) for one envelope, checked in a worker. */
  check(envelope: Uint8Array): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve) => {
      this.#batch.push(envelope);
      this.#resolves.push(resolve);
      if (this.#batch.length >= CHECK_BATCH_MAX) this.#flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Waits until the workers answer a trivial request each (started, modules loaded). */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w, worker) => new Promise<void>((resolve) => {
      const id = this.#nextId++;
      this.#outstanding.set(id, { resolves: [], worker, done: resolve });
      w.postMessage({ id, envelopes: [] } satisfies CheckRequest);
    })));
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    const envelopes = this.#batch;
    const resolves = this.#resolves;
    this.#batch = [];
    this.#resolves = [];
    let worker = 0;
    for (let i = 1; i < this.#load.length; i++) if (this.#load[i]! < this.#load[worker]!) worker = i;
    const id = this.#nextId++;
    this.#outstanding.set(id, { resolves, worker });
    this.#load[worker]! += envelopes.length;
    this.#workers[worker]!.postMessage({ id, envelopes } satisfies CheckRequest);
  }

  #answered(worker: number, res: CheckResponse): void {
    const o = this.#outstanding.get(res.id);
    if (!o || o.worker !== worker || o.resolves.length !== res.statuses.length) throw new Error(`assertion failed: worker ${worker} answers request ${res.id} in full`);
    this.#outstanding.delete(res.id);
    this.#load[worker]! -= res.statuses.length;
    for (let k = 0; k < res.statuses.length; k++) o.resolves[k]!(res.statuses[k]!);
    o.done?.();
  }
}
