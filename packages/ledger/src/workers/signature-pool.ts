/**
 * A pool of worker threads that check a block's signatures in parallel.
 * One pool per ledger, sized to the machine's cores; the block's bytes are
 * shared, not copied. Ordering rule: results come back in job order, each
 * chunk handled by one worker.
 *
 * A worker holds the process open only while it has requests in flight: an
 * idle pool lets the process exit, and a process that awaits nothing but a
 * block's signature checks does not exit under them.
 *
 * A pool of size 0 checks on the calling thread: no worker, no overlap, and
 * no start-up cost, for deterministic simulations that reopen a ledger
 * hundreds of times.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MspRegistry, type MspDefinition } from '@alliance/protocol';
import { LedgerError } from '../errors.js';
import { SIGNATURE_JOBS_PER_CHUNK_MIN, WORKER_RESTARTS_MAX } from '../constants.js';
import { checkSignatureJobs } from './signature-check.js';
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
  // Requests in flight per worker; a worker is ref'd exactly while its count is above 0.
  private readonly busy: number[] = [];
  // The calling thread's registry, for a pool of size 0.
  private inlineRegistry: MspRegistry | undefined;
  private mspDefinitions: MspDefinition[];
  private nextId = 1;
  private restarts = 0;
  private closed = false;

  /** `size` worker threads (default: the machine's cores); 0 checks on the calling thread. */
  constructor(mspDefinitions: readonly MspDefinition[], size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`assertion failed: pool size ${size} is a non-negative integer`);
    this.size = size;
    this.mspDefinitions = [...mspDefinitions];
    if (size === 0) this.inlineRegistry = new MspRegistry(this.mspDefinitions);
    for (let i = 0; i < size; i++) this.workers.push(this.spawn(i));
  }

  private spawn(index: number): Worker {
    const worker = new Worker(workerUrl(), { workerData: { mspDefinitions: this.mspDefinitions } });
    this.busy[index] = 0;
    worker.on('message', (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (--this.busy[index]! === 0) worker.unref();
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
    if (this.size === 0) this.inlineRegistry = new MspRegistry(this.mspDefinitions);
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
    if (this.inlineRegistry) {
      const { ints, times } = jobs.slice(0, n);
      return checkSignatureJobs(this.inlineRegistry, jobs.base, ints, times);
    }
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
        this.busy[c]!++;
        this.workers[c]!.ref();
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
