/**
 * A pool of worker threads that check a block's signatures in parallel.
 * One pool per ledger, sized to the machine's cores; the block's bytes are
 * shared, not copied. Ordering rule: results come back in job order, each
 * chunk handled by one worker.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MspDefinition } from '@alliance/protocol';
import { LedgerError } from '../errors.js';
import { SIGNATURE_JOBS_PER_CHUNK_MIN, WORKER_RESTARTS_MAX } from '../constants.js';
import type { SignatureJobs } from './signature-jobs.js';

/** Messages to a worker. */
export type WorkerRequest =
  | { kind: 'verify'; id: number; buffer: SharedArrayBuffer; ints: Int32Array; times: Float64Array }
  | { kind: 'msps'; mspDefinitions: MspDefinition[] };

/** A worker's answer: one JobResult per job. */
export interface WorkerResponse {
  id: number;
  results: Uint8Array;
}

interface Pending {
  resolve: (r: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** Where the compiled worker script is: beside this module in dist/, or dist/ when running from sources. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/workers/signature-worker.js', import.meta.url)
    : new URL('./signature-worker.js', import.meta.url);
}

export class SignaturePool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { worker: number } & Pending>();
  private mspDefinitions: MspDefinition[];
  private nextId = 1;
  private restarts = 0;
  private closed = false;

  constructor(mspDefinitions: readonly MspDefinition[], size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`assertion failed: pool size ${size} is a positive integer`);
    this.size = size;
    this.mspDefinitions = [...mspDefinitions];
    for (let i = 0; i < size; i++) this.workers.push(this.spawn(i));
  }

  private spawn(index: number): Worker {
    const worker = new Worker(workerUrl(), { workerData: { mspDefinitions: this.mspDefinitions } });
    worker.on('message', (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      p.resolve(msg.results);
    });
    const fail = (why: string) => {
      if (this.closed) return;
      for (const [id, p] of this.pending) {
        if (p.worker !== index) continue;
        this.pending.delete(id);
        p.reject(new LedgerError('WORKER_FAILED', `signature worker ${index} ${why}`, { worker: index }));
      }
      if (this.restarts++ < WORKER_RESTARTS_MAX) this.workers[index] = this.spawn(index);
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    worker.unref();
    return worker;
  }

  /** Replaces the MSPs every worker validates identities against (after a config block). */
  updateMsps(mspDefinitions: readonly MspDefinition[]): void {
    this.mspDefinitions = [...mspDefinitions];
    for (const w of this.workers) w.postMessage({ kind: 'msps', mspDefinitions: this.mspDefinitions } satisfies WorkerRequest);
  }

  /**
   * Checks every job; resolves with one JobResult per job, in job order.
   * @throws LedgerError WORKER_FAILED when a worker dies mid-way (a bug or resource exhaustion)
   */
  async verify(jobs: SignatureJobs): Promise<Uint8Array> {
    if (this.closed) throw new LedgerError('LEDGER_CLOSED', 'the signature pool is closed', {});
    const n = jobs.count;
    const out = new Uint8Array(n);
    if (n === 0) return out;
    if (!(jobs.base.buffer instanceof SharedArrayBuffer)) throw new Error('assertion failed: job bytes live in a SharedArrayBuffer');
    const chunks = Math.max(1, Math.min(this.size, Math.floor(n / SIGNATURE_JOBS_PER_CHUNK_MIN)));
    const per = Math.ceil(n / chunks);
    const parts: Promise<void>[] = [];
    for (let c = 0; c < chunks; c++) {
      const from = c * per;
      const to = Math.min(n, from + per);
      if (from >= to) break;
      const { ints, times } = jobs.slice(from, to);
      const id = this.nextId++;
      parts.push(new Promise<Uint8Array>((resolve, reject) => {
        this.pending.set(id, { worker: c, resolve, reject });
        const req: WorkerRequest = { kind: 'verify', id, buffer: jobs.base.buffer as SharedArrayBuffer, ints, times };
        this.workers[c]!.postMessage(req, [ints.buffer as ArrayBuffer, times.buffer as ArrayBuffer]);
      }).then((r) => out.set(r, from)));
    }
    await Promise.all(parts);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new LedgerError('LEDGER_CLOSED', 'the signature pool closed', {}));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
