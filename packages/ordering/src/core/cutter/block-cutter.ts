/**
 * Fabric's block cutter (orderer/common/blockcutter) as a pure state
 * machine: envelopes in, batches out (each batch becomes one block). No
 * clock inside: the shell reports elapsed time with `tick`.
 *
 * Rules, in Fabric's order, for `ordered(envelope)`:
 * - larger than AbsoluteMaxBytes: refused (BatchError ENVELOPE_TOO_LARGE;
 *   Fabric's size filter refuses it before the cutter, answering BAD_REQUEST);
 * - larger than PreferredMaxBytes: the pending batch is cut, then the
 *   envelope goes alone in a batch of its own;
 * - would take the pending batch past PreferredMaxBytes: the pending batch
 *   is cut first, then the envelope starts the next one;
 * - the pending batch reaches MaxMessageCount: it is cut.
 * A config envelope (`orderedConfig`) is always alone: the pending batch is
 * cut, then the config envelope is a batch of its own (etcdraft's rule).
 *
 * BatchTimeout: the timer starts when a pending batch gets its first
 * envelope (again after every cut); `tick(elapsedMs)` adds time and cuts the
 * pending batch once BatchTimeout has passed since then. Time counts from
 * the first tick after the envelope, so a cut comes at most one tick late.
 *
 * Sizes are envelope byte lengths (Fabric counts payload + signature, a few
 * bytes less; the bounds are the same).
 */
import { assert } from './assert.js';
import { BatchError } from './batch-error.js';
import {
  BATCH_ABSOLUTE_BYTES_MAX_DEFAULT, BATCH_MESSAGES_MAX_DEFAULT, BATCH_PREFERRED_BYTES_MAX_DEFAULT, BATCH_TIMEOUT_MS_DEFAULT,
} from './constants.js';

/** A channel's BatchSize and BatchTimeout. */
export interface BatchConfig {
  readonly messagesMax: number;
  readonly absoluteBytesMax: number;
  readonly preferredBytesMax: number;
  readonly timeoutMs: number;
}

export const DEFAULT_BATCH_CONFIG: BatchConfig = {
  messagesMax: BATCH_MESSAGES_MAX_DEFAULT,
  absoluteBytesMax: BATCH_ABSOLUTE_BYTES_MAX_DEFAULT,
  preferredBytesMax: BATCH_PREFERRED_BYTES_MAX_DEFAULT,
  timeoutMs: BATCH_TIMEOUT_MS_DEFAULT,
};

/** What one call cut: batches in order (each one block), and whether envelopes remain pending. */
export interface Ordered {
  readonly batches: Uint8Array[][];
  readonly pending: boolean;
}

/**
 * A config Fabric accepts: counts and bytes positive, PreferredMaxBytes at
 * most AbsoluteMaxBytes, a positive timeout.
 * @throws BatchError BATCH_CONFIG_INVALID
 */
export function checkBatchConfig(config: BatchConfig): void {
  const { messagesMax, absoluteBytesMax, preferredBytesMax, timeoutMs } = config;
  const ok = Number.isSafeInteger(messagesMax) && messagesMax >= 1 && Number.isSafeInteger(absoluteBytesMax) && absoluteBytesMax >= 1
    && Number.isSafeInteger(preferredBytesMax) && preferredBytesMax >= 1 && preferredBytesMax <= absoluteBytesMax
    && Number.isFinite(timeoutMs) && timeoutMs > 0;
  if (!ok) throw new BatchError('BATCH_CONFIG_INVALID', 'a batch config needs counts and sizes >= 1, PreferredMaxBytes <= AbsoluteMaxBytes and a timeout > 0', { ...config });
}

export class BlockCutter {
  #config: BatchConfig;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Time since the pending batch's first envelope, as ticks reported it. */
  #pendingMs = 0;

  /** @throws BatchError BATCH_CONFIG_INVALID */
  constructor(config: BatchConfig = DEFAULT_BATCH_CONFIG) {
    checkBatchConfig(config);
    this.#config = config;
  }

  get config(): BatchConfig {
    return this.#config;
  }

  /** Envelopes waiting for a cut. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Bytes of the envelopes waiting for a cut. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * A new config (after a config block), used from the next envelope on;
   * the pending batch is kept as it is.
   * @throws BatchError BATCH_CONFIG_INVALID
   */
  setConfig(config: BatchConfig): void {
    checkBatchConfig(config);
    this.#config = config;
  }

  /**
   * Orders a normal envelope: the batches it cut (zero, one or two) and
   * whether envelopes remain pending.
   * @throws BatchError ENVELOPE_TOO_LARGE (nothing changes), ENVELOPE_EMPTY
   */
  ordered(envelope: Uint8Array): Ordered {
    this.#check(envelope);
    const { preferredBytesMax, messagesMax } = this.#config;
    const batches: Uint8Array[][] = [];
    if (envelope.length > preferredBytesMax) {
      if (this.#pending.length > 0) batches.push(this.cut());
      batches.push([envelope]);
      return { batches, pending: false };
    }
    if (this.#pendingBytes + envelope.length > preferredBytesMax) batches.push(this.cut());
    this.#pending.push(envelope);
    this.#pendingBytes += envelope.length;
    if (this.#pending.length >= messagesMax) {
      batches.push(this.cut());
      return { batches, pending: false };
    }
    return { batches, pending: true };
  }

  /**
   * Orders a config envelope: the pending batch (if any), then the envelope alone.
   * @throws BatchError ENVELOPE_TOO_LARGE (nothing changes), ENVELOPE_EMPTY
   */
  orderedConfig(envelope: Uint8Array): Ordered {
    this.#check(envelope);
    const batches: Uint8Array[][] = [];
    if (this.#pending.length > 0) batches.push(this.cut());
    batches.push([envelope]);
    return { batches, pending: false };
  }

  /** Cuts the pending batch (possibly empty) and starts a new one. */
  cut(): Uint8Array[] {
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pendingMs = 0;
    return batch;
  }

  /**
   * Reports that `elapsedMs` passed: the pending batch when BatchTimeout has
   * passed since its first envelope, else undefined. Time with nothing
   * pending counts for nothing.
   */
  tick(elapsedMs: number): Uint8Array[] | undefined {
    assert(Number.isFinite(elapsedMs) && elapsedMs >= 0, 'elapsed time is finite and not negative');
    if (this.#pending.length === 0) return undefined;
    this.#pendingMs += elapsedMs;
    return this.#pendingMs >= this.#config.timeoutMs ? this.cut() : undefined;
  }

  #check(envelope: Uint8Array): void {
    if (envelope.length === 0) throw new BatchError('ENVELOPE_EMPTY', 'an empty envelope cannot be ordered', {});
    const max = this.#config.absoluteBytesMax;
    if (envelope.length > max) throw new BatchError('ENVELOPE_TOO_LARGE', `an envelope of ${envelope.length} bytes, AbsoluteMaxBytes is ${max}`, { bytes: envelope.length, max });
  }
}
