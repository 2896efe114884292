/**
 * Worker threads for the endorser's two signature operations: verifying
 * the creator's signature on a proposal and signing the endorsement. On the
 * 2-core bench machine these are ~100 µs of the ~450 µs an endorsement
 * cost on one thread (bench/RESULTS.md, Endorsement); in workers they run
 * beside the event loop that decodes, simulates and encodes.
 *
 * Jobs queued during one turn of the event loop leave together at its end
 * (setImmediate), a batch per worker, so postMessage's cost is shared by
 * many jobs; the least loaded workers get them. Workers start with the
 * first job, and hold the process open only while they have jobs.
 *
 * Failure rules: a job never waits on a dead worker. When a worker exits or
 * fails, its jobs run again on the calling thread and the worker is
 * replaced (at most CRYPTO_WORKER_RESTARTS_MAX times per pool; after that
 * the pool runs with fewer workers, and with none runs every job inline).
 * After `close()`, jobs run inline too, so runs in progress still finish.
 * A bad signature is a SignatureError, as when verifying inline.
 *
 * The queue of one turn is not bounded here: callers bound the jobs they
 * hold open (the endorser bounds proposals in flight).
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { P256_SIGNATURE_BYTES_MAX, SignatureError, signMessage, verifySignature } from '@alliance/protocol';
import { JobCode, JobOp, signatureCodeOf, type CryptoRequest, type CryptoResponse } from './crypto-jobs.js';

// The pool's bounds, here rather than in constants.ts because they only
// make sense together with this file's batching.
/** Jobs in one message to a worker. */
export const CRYPTO_BATCH_JOBS_MAX = 256;
/** Message and signature bytes in one message to a worker (a batch holds at least one job, whatever its size). */
export const CRYPTO_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/** Keys one worker keeps (as the MSP registry's identity cache); past it, it forgets them all and is sent them again. */
export const CRYPTO_KEYS_PER_WORKER_MAX = 10_000;
/** Worker replacements per pool after crashes (a crash is a bug or resource exhaustion). */
export const CRYPTO_WORKER_RESTARTS_MAX = 8;
/** Workers one pool may have. */
export const CRYPTO_WORKERS_MAX = 64;

interface Job {
  readonly op: number;
  readonly key: KeyObject;
  readonly message: Uint8Array;
  readonly signature: Uint8Array | undefined;
  readonly resolve: (signature: Uint8Array | undefined) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  /** Key ids this worker holds. */
  readonly known: Set<number>;
  /** Batches posted and not answered. */
  readonly inFlight: Map<number, Job[]>;
  jobs: number;
  dead: boolean;
}

/** Where the compiled worker script is: beside this module in dist/, or dist/ when running from sources (tests). */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/endorser/crypto-worker.js', import.meta.url)
    : new URL('./crypto-worker.js', import.meta.url);
}

function runInline(job: Job): void {
  try {
    if (job.op === JobOp.VERIFY) {
      verifySignature(job.key, job.message, job.signature!);
      job.resolve(undefined);
    } else {
      job.resolve(signMessage(job.key, job.message));
    }
  } catch (err) {
    job.reject(err as Error);
  }
}

export class CryptoPool {
  /** Workers the pool runs when all are up. */
  readonly size: number;
  private readonly slots: (Slot | undefined)[] = [];
  private queue: Job[] = [];
  private flushScheduled = false;
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private nextKeyId = 1;
  private nextBatchId = 1;
  private restarts = 0;
  private started = false;
  private closed = false;
  private inFlightBatches = 0;
  private drained: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  /** `size` worker threads, started with the first job; 0 runs every job on the calling thread. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 0 || size > CRYPTO_WORKERS_MAX) {
      throw new Error(`assertion failed: crypto workers ${size} is an integer from 0 to ${CRYPTO_WORKERS_MAX}`);
    }
    this.size = size;
  }

  /** Worker threads running now. */
  get liveWorkers(): number {
    return this.slots.filter((s) => s && !s.dead).length;
  }

  /**
   * Checks a DER ECDSA signature over SHA-256(message), as verifySignature.
   * @throws SignatureError SIGNATURE_MALFORMED, SIGNATURE_HIGH_S, SIGNATURE_INVALID (as a rejection)
   */
  verify(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): Promise<void> {
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      this.submit({ op: JobOp.VERIFY, key: publicKey, message, signature, resolve, reject });
    }).then(() => undefined);
  }

  /** A low-S DER ECDSA signature over SHA-256(message), as signMessage. */
  sign(privateKey: KeyObject, message: Uint8Array): Promise<Uint8Array> {
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      this.submit({ op: JobOp.SIGN, key: privateKey, message, signature: undefined, resolve, reject });
    }) as Promise<Uint8Array>;
  }

  /**
   * Stops the workers once the jobs they hold are answered; later jobs run
   * inline. Every call resolves when the workers have stopped.
   */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.closed = true;
    const queued = this.queue;
    this.queue = [];
    for (const job of queued) runInline(job);
    if (this.inFlightBatches > 0) await new Promise<void>((resolve) => { this.drained = resolve; });
    const slots = this.slots.splice(0);
    await Promise.all(slots.map(async (s) => {
      if (!s || s.dead) return;
      s.dead = true;
      await s.worker.terminate();
    }));
  }

  private submit(job: Job): void {
    if (this.closed || this.size === 0) {
      runInline(job);
      return;
    }
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.size; i++) this.slots.push(this.trySpawn(i));
    }
    this.queue.push(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  // A worker that cannot start (threads or memory exhausted) leaves its slot empty: its share runs on the others, or inline.
  private trySpawn(index: number): Slot | undefined {
    try {
      return this.spawn(index);
    } catch {
      return undefined;
    }
  }

  private spawn(index: number): Slot {
    const worker = new Worker(workerUrl());
    const slot: Slot = { index, worker, known: new Set(), inFlight: new Map(), jobs: 0, dead: false };
    worker.on('message', (res: CryptoResponse) => this.answer(slot, res));
    worker.on('error', () => this.fail(slot));
    worker.on('exit', () => this.fail(slot));
    // An answer that cannot be read would leave its batch waiting: treat the worker as failed.
    worker.on('messageerror', () => {
      this.fail(slot);
      worker.terminate().catch(() => undefined);
    });
    worker.unref();
    return slot;
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const live = this.slots.filter((s): s is Slot => s !== undefined && !s.dead);
      if (live.length === 0) {
        const jobs = this.queue;
        this.queue = [];
        for (const job of jobs) runInline(job);
        return;
      }
      // Spread this turn's jobs over the workers, each batch to the least loaded.
      const per = Math.min(CRYPTO_BATCH_JOBS_MAX, Math.ceil(this.queue.length / live.length));
      let count = 0;
      let bytes = 0;
      while (count < per) {
        const job = this.queue[count]!;
        const size = job.message.length + (job.signature?.length ?? 0);
        if (count > 0 && bytes + size > CRYPTO_BATCH_BYTES_MAX) break;
        bytes += size;
        count++;
      }
      const batch = this.queue.splice(0, count);
      let target = live[0]!;
      for (const s of live) if (s.jobs < target.jobs) target = s;
      this.post(target, batch);
    }
  }

  private keyIdOf(key: KeyObject): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.nextKeyId++;
      this.keyIds.set(key, id);
    }
    return id;
  }

  private post(slot: Slot, jobs: Job[]): void {
    const n = jobs.length;
    const ops = new Uint8Array(n);
    const keyIds = new Int32Array(n);
    const spans = new Int32Array(4 * n);
    let bytes = 0;
    for (const job of jobs) bytes += job.message.length + (job.signature?.length ?? 0);
    const data = new Uint8Array(bytes);
    const fresh = new Map<number, KeyObject>();
    let at = 0;
    for (let j = 0; j < n; j++) {
      const job = jobs[j]!;
      ops[j] = job.op;
      const id = this.keyIdOf(job.key);
      keyIds[j] = id;
      if (!slot.known.has(id)) fresh.set(id, job.key);
      data.set(job.message, at);
      spans[4 * j] = at;
      spans[4 * j + 1] = job.message.length;
      at += job.message.length;
      if (job.signature) {
        data.set(job.signature, at);
        spans[4 * j + 2] = at;
        spans[4 * j + 3] = job.signature.length;
        at += job.signature.length;
      }
    }
    let resetKeys = false;
    if (slot.known.size + fresh.size > CRYPTO_KEYS_PER_WORKER_MAX) {
      // Forget everything and send this batch's keys again.
      resetKeys = true;
      slot.known.clear();
      for (const job of jobs) fresh.set(this.keyIdOf(job.key), job.key);
    }
    for (const id of fresh.keys()) slot.known.add(id);
    const id = this.nextBatchId++;
    const req: CryptoRequest = { kind: 'batch', id, ops, keyIds, spans, data: data.buffer, keys: [...fresh], resetKeys };
    if (slot.jobs === 0) slot.worker.ref();
    slot.jobs += n;
    slot.inFlight.set(id, jobs);
    this.inFlightBatches++;
    slot.worker.postMessage(req, [data.buffer, ops.buffer, keyIds.buffer, spans.buffer]);
  }

  private settled(slot: Slot, batchId: number): Job[] | undefined {
    const jobs = slot.inFlight.get(batchId);
    if (!jobs) return undefined;
    slot.inFlight.delete(batchId);
    slot.jobs -= jobs.length;
    if (slot.jobs === 0 && !slot.dead) slot.worker.unref();
    if (--this.inFlightBatches === 0) this.drained?.();
    return jobs;
  }

  private answer(slot: Slot, res: CryptoResponse): void {
    const jobs = this.settled(slot, res.id);
    if (!jobs) return;
    const signatures = new Uint8Array(res.signatures);
    const messages = new Map(res.errors);
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      const code = res.codes[j]!;
      if (code === JobCode.OK) {
        job.resolve(job.op === JobOp.SIGN ? signatures.subarray(j * P256_SIGNATURE_BYTES_MAX, j * P256_SIGNATURE_BYTES_MAX + res.signatureLengths[j]!) : undefined);
        continue;
      }
      const signatureCode = signatureCodeOf(code);
      if (signatureCode) job.reject(new SignatureError(signatureCode, messages.get(j) ?? signatureCode, {}));
      // KEY_UNKNOWN or FAILED: a bug in this pool or in the crypto code, not in the input.
      else job.reject(new Error(`assertion failed: crypto worker ${slot.index} job ${code === JobCode.KEY_UNKNOWN ? 'named a key never sent' : 'threw'}: ${messages.get(j) ?? ''}`));
    }
  }

  private fail(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    // Its jobs run again here; nothing waits on a dead worker.
    const batches = [...slot.inFlight.keys()];
    for (const id of batches) for (const job of this.settled(slot, id) ?? []) runInline(job);
    if (this.closed) return;
    if (this.slots[slot.index] === slot) {
      this.slots[slot.index] = this.restarts++ < CRYPTO_WORKER_RESTARTS_MAX ? this.trySpawn(slot.index) : undefined;
    }
  }
}
