/**
 * Worker threads for Broadcast's creator-signature check, the one costly
 * step of its filters (~70 µs of ~80 µs per envelope on the event loop).
 * The checks that decide everything else (decode, channel, type, size,
 * identity, Writers policy) stay on the calling thread; only
 * verify(publicKey, payload, signature) comes here.
 *
 * Jobs queued during one turn of the event loop leave together at its end
 * (setImmediate), at most one batch per worker per turn (up to
 * VERIFY_BATCH_JOBS_MAX), so postMessage's cost is shared by many jobs; a
 * worker holds at most VERIFY_WORKER_BATCHES_MAX batches unanswered. While
 * every worker is full, the calling thread verifies VERIFY_STEAL_JOBS_MAX
 * queued jobs per turn of its loop itself (on 2 cores, one worker alone
 * cannot keep up with the event loop's spare time). Public keys cross once per worker, named by id afterwards.
 * Workers start with the first job and hold the process open only while
 * they have jobs. While the pool is idle, the first VERIFY_INLINE_RUN_MAX
 * signatures of one synchronous run the caller checks itself
 * (`claimInline`): at low load a thread hop only adds latency.
 *
 * Failure rules: a job never waits on a dead worker. When a worker exits or
 * fails, its jobs are checked again on the calling thread and the worker is
 * replaced (at most VERIFY_WORKER_RESTARTS_MAX times per pool; after that
 * the pool runs with fewer workers, and with none checks every job
 * inline). After `close()`, jobs are checked inline, so Broadcasts in
 * progress still finish. `verify` never rejects.
 *
 * The queue of one turn is not bounded here: the callers (Broadcast
 * streams) bound the envelopes they hold open.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ordererAssert } from './assert.js';
import {
  VERIFY_BATCH_BYTES_MAX, VERIFY_BATCH_JOBS_MAX, VERIFY_INLINE_RUN_MAX, VERIFY_KEYS_PER_WORKER_MAX, VERIFY_STEAL_JOBS_MAX, VERIFY_WORKER_BATCHES_MAX,
  VERIFY_WORKER_RESTARTS_MAX, VERIFY_WORKERS_MAX,
} from './constants.js';
import { VerifyCode, creatorSignatureValid, type VerifyRequest, type VerifyResponse } from './verify-jobs.js';

interface Job {
  readonly key: KeyObject;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly resolve: (valid: boolean) => void;
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

/** The compiled worker script: beside this module in dist/, or in dist/ when running from sources (tests). */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/orderer/verify-worker.js', import.meta.url)
    : new URL('./verify-worker.js', import.meta.url);
}

function runInline(job: Job): void {
  job.resolve(creatorSignatureValid(job.key, job.message, job.signature));
}

export class VerifyPool {
  /** Workers the pool runs when all are up. */
  readonly size: number;
  readonly #slots: (Slot | undefined)[] = [];
  #queue: Job[] = [];
  #flushScheduled = false;
  readonly #keyIds = new WeakMap<KeyObject, number>();
  #nextKeyId = 1;
  #nextBatchId = 1;
  #restarts = 0;
  #started = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Jobs posted to workers and not answered. */
  #inFlightJobs = 0;
  /** Signatures of the current synchronous run left to the caller. */
  #inlineClaimed = 0;

  /** `size` worker threads (1..VERIFY_WORKERS_MAX), started with the first job. */
  constructor(size: number) {
    ordererAssert(Number.isInteger(size) && size >= 1 && size <= VERIFY_WORKERS_MAX, `verify workers ${size} is an integer from 1 to ${VERIFY_WORKERS_MAX}`);
    this.size = size;
  }

  /** The worker threads running now (diagnostics and tests). */
  get workers(): readonly Worker[] {
    return this.#slots.filter((s): s is Slot => s !== undefined && !s.dead).map((s) => s.worker);
  }

  /**
   * Whether the caller should check this signature itself, now: after
   * close, or while the pool is idle (nothing queued or in flight) for the
   * first VERIFY_INLINE_RUN_MAX of this synchronous run (which ends at the
   * next microtask).
   */
  claimInline(): boolean {
    if (this.#closed) return true;
    if (this.#inlineClaimed >= VERIFY_INLINE_RUN_MAX || this.#queue.length > 0 || this.#inFlightJobs > 0) return false;
    if (this.#inlineClaimed++ === 0) {
      queueMicrotask(() => {
        this.#inlineClaimed = 0;
      });
    }
    return true;
  }

  /** Whether `signature` is the key's ECDSA signature over SHA-256(message); never rejects. */
  verify(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const job: Job = { key: publicKey, message, signature, resolve };
      if (this.#closed) {
        runInline(job);
        return;
      }
      this.#start();
      this.#queue.push(job);
      this.#scheduleFlush();
    });
  }

  /** Stops the workers; their unanswered jobs and later ones are checked inline. Every call resolves once they stopped. */
  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    this.#closed = true;
    const queued = this.#queue;
    this.#queue = [];
    for (const job of queued) runInline(job);
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map(async (s) => {
      if (!s || s.dead) return;
      s.dead = true;
      for (const id of [...s.inFlight.keys()]) for (const job of this.#settled(s, id) ?? []) runInline(job);
      await s.worker.terminate();
    }));
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    for (let i = 0; i < this.size; i++) this.#slots.push(this.#trySpawn(i));
  }

  // A worker that cannot start (threads or memory exhausted) leaves its slot empty: its share runs on the others, or inline.
  #trySpawn(index: number): Slot | undefined {
    try {
      return this.#spawn(index);
    } catch {
      return undefined;
    }
  }

  #spawn(index: number): Slot {
    const worker = new Worker(workerUrl());
    const slot: Slot = { index, worker, known: new Set(), inFlight: new Map(), jobs: 0, dead: false };
    worker.on('message', (res: VerifyResponse) => this.#answer(slot, res));
    worker.on('error', () => this.#fail(slot));
    worker.on('exit', () => this.#fail(slot));
    // An answer that cannot be read would leave its batch waiting: treat the worker as failed.
    worker.on('messageerror', () => {
      this.#fail(slot);
      worker.terminate().catch(() => undefined);
    });
    worker.unref();
    return slot;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const live = this.#slots.filter((s): s is Slot => s !== undefined && !s.dead);
    if (live.length === 0) {
      const jobs = this.#queue;
      this.#queue = [];
      for (const job of jobs) runInline(job);
      return;
    }
    // Spread the queue over the workers with room, one batch each, least loaded first.
    const open = live.filter((s) => s.inFlight.size < VERIFY_WORKER_BATCHES_MAX).sort((a, b) => a.jobs - b.jobs);
    for (let k = 0; k < open.length && this.#queue.length > 0; k++) {
      const per = Math.min(VERIFY_BATCH_JOBS_MAX, Math.ceil(this.#queue.length / (open.length - k)));
      let count = 0;
      let bytes = 0;
      while (count < per) {
        const job = this.#queue[count]!;
        const size = job.message.length + job.signature.length;
        if (count > 0 && bytes + size > VERIFY_BATCH_BYTES_MAX) break;
        bytes += size;
        count++;
      }
      this.#post(open[k]!, this.#queue.splice(0, count), bytes);
    }
    if (this.#queue.length === 0) return;
    // Every worker is full: verify a few here, once per turn, and look again next turn.
    for (const job of this.#queue.splice(0, VERIFY_STEAL_JOBS_MAX)) runInline(job);
    if (this.#queue.length > 0) this.#scheduleFlush();
  }

  #keyIdOf(key: KeyObject): number {
    let id = this.#keyIds.get(key);
    if (id === undefined) {
      id = this.#nextKeyId++;
      this.#keyIds.set(key, id);
    }
    return id;
  }

  #post(slot: Slot, jobs: Job[], bytes: number): void {
    const n = jobs.length;
    const keyIds = new Int32Array(n);
    const spans = new Int32Array(4 * n);
    const data = new Uint8Array(bytes);
    const fresh = new Map<number, KeyObject>();
    let at = 0;
    for (let j = 0; j < n; j++) {
      const job = jobs[j]!;
      const id = this.#keyIdOf(job.key);
      keyIds[j] = id;
      if (!slot.known.has(id)) fresh.set(id, job.key);
      data.set(job.message, at);
      spans[4 * j] = at;
      spans[4 * j + 1] = job.message.length;
      at += job.message.length;
      data.set(job.signature, at);
      spans[4 * j + 2] = at;
      spans[4 * j + 3] = job.signature.length;
      at += job.signature.length;
    }
    let resetKeys = false;
    if (slot.known.size + fresh.size > VERIFY_KEYS_PER_WORKER_MAX) {
      // Forget everything and send this batch's keys again.
      resetKeys = true;
      slot.known.clear();
      for (const job of jobs) fresh.set(this.#keyIdOf(job.key), job.key);
    }
    for (const id of fresh.keys()) slot.known.add(id);
    const id = this.#nextBatchId++;
    const req: VerifyRequest = { id, keyIds, spans, data: data.buffer, keys: [...fresh], resetKeys };
    if (slot.jobs === 0) slot.worker.ref();
    slot.jobs += n;
    this.#inFlightJobs += n;
    slot.inFlight.set(id, jobs);
    try {
      slot.worker.postMessage(req, [data.buffer, keyIds.buffer, spans.buffer]);
    } catch {
      // A worker that cannot be posted to is as good as dead: its jobs (this batch included) run inline.
      this.#fail(slot);
    }
  }

  #settled(slot: Slot, batchId: number): Job[] | undefined {
    const jobs = slot.inFlight.get(batchId);
    if (!jobs) return undefined;
    slot.inFlight.delete(batchId);
    slot.jobs -= jobs.length;
    this.#inFlightJobs -= jobs.length;
    if (slot.jobs === 0 && !slot.dead) slot.worker.unref();
    return jobs;
  }

  #answer(slot: Slot, res: VerifyResponse): void {
    const jobs = this.#settled(slot, res.id);
    if (!jobs) return;
    // The worker has room again.
    if (this.#queue.length > 0) this.#scheduleFlush();
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      const code = res.codes[j];
      if (code === VerifyCode.VALID) job.resolve(true);
      else if (code === VerifyCode.INVALID) job.resolve(false);
      // A key the worker lacks (a bug here) or a short answer: check it here rather than guess.
      else runInline(job);
    }
  }

  #fail(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    // Its jobs are checked again here; nothing waits on a dead worker.
    for (const id of [...slot.inFlight.keys()]) for (const job of this.#settled(slot, id) ?? []) runInline(job);
    if (this.#closed) return;
    if (this.#slots[slot.index] === slot) {
      this.#slots[slot.index] = this.#restarts++ < VERIFY_WORKER_RESTARTS_MAX ? this.#trySpawn(slot.index) : undefined;
    }
    if (this.#queue.length > 0) this.#scheduleFlush();
  }
}
