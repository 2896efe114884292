/**
 * The iterators the stub hands to contracts, shaped as fabric-shim's
 * (libraries/fabric-shim/lib/iterators.js and stub.js):
 *
 * - `next()` resolves `{ value, done: false }`, then `{ done: true }` (no
 *   value) at the end; `close()` stops the iterator. Alliance answers
 *   `{ done: true }` after `close()` too, where fabric-shim would still
 *   serve what it had buffered.
 * - query methods return a Promise of the iterator (or, paginated, of
 *   `{ iterator, metadata }`) that is also async-iterable: `for await`
 *   closes the iterator when it ends or the loop exits early
 *   (fabric-shim's convertToAsyncIterator).
 * - values are Buffers, as fabric-shim gives them.
 */
import type { Iterators } from 'fabric-shim-api';
import type { KeyModification as LedgerKeyModification, StateEntry } from '@alliance/ledger';
import { toUnsignedLong } from '@alliance/protocol';
import { QUERY_RESULTS_MAX } from '../constants.js';
import { SimulationError } from '../errors.js';
import type { SimulationRangeIterator } from './range-iterator.js';
import { bufferCopy } from './text.js';

type CommonIterator<T> = Iterators.CommonIterator<T>;
type NextResult<T> = Iterators.NextResult<T>;

const MS_PER_SECOND = 1000;
const NANOS_PER_MS = 1_000_000;

// fabric-shim ends an iteration with `{ done: true }` and no value; the
// typings promise a value, so the end is cast once here.
function endOfIteration<T>(): NextResult<T> {
  return { done: true } as NextResult<T>;
}

/** A google.protobuf.Timestamp as fabric-shim hands it out: unsigned Long seconds (a negative time reads as 0, as Long.fromNumber(n, true) does). */
export function shimTimestamp(seconds: number, nanos: number): { seconds: ReturnType<typeof toUnsignedLong>; nanos: number } {
  return { seconds: toUnsignedLong(seconds > 0 ? seconds : 0), nanos };
}

/** The shim timestamp of a Unix time in milliseconds. */
export function shimTimestampFromMs(ms: number): ReturnType<typeof shimTimestamp> {
  const seconds = Math.floor(ms / MS_PER_SECOND);
  return shimTimestamp(seconds, (ms - seconds * MS_PER_SECOND) * NANOS_PER_MS);
}

/** Range results for a contract: served from `buffered` first, then pulled from the recording range iterator. */
export class StateQueryIterator implements CommonIterator<Iterators.KV> {
  private closed = false;

  /** `pull` false: a page, everything is buffered and the range iterator is finished. */
  constructor(private readonly range: SimulationRangeIterator, private readonly buffered: StateEntry[], private readonly pull: boolean) {}

  async next(): Promise<NextResult<Iterators.KV>> {
    if (this.closed) return endOfIteration();
    const entry = this.buffered.shift() ?? (this.pull ? await this.range.next() : undefined);
    if (entry === undefined) return endOfIteration();
    return { value: { namespace: this.range.namespace, key: entry.key, value: bufferCopy(entry.value) }, done: false };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.range.close();
  }
}

/** Where history comes from: the ledger's reader (LedgerReader.getHistoryForKey), newest first. */
export interface HistorySource {
  getHistoryForKey(namespace: string, key: string): AsyncIterable<LedgerKeyModification>;
}

/**
 * A key's committed history for a contract, newest first, in fabric-shim's
 * KeyModification shape. Entries of blocks at or above `heightMax` (those
 * committed after the simulation's snapshot) are skipped, so history agrees
 * with the state the contract sees. Nothing is recorded: Fabric's
 * validation does not re-check history queries.
 */
export class HistoryQueryIterator implements CommonIterator<Iterators.KeyModification> {
  private readonly source: AsyncIterator<LedgerKeyModification>;
  private closed = false;
  private returned = 0;

  constructor(history: HistorySource, private readonly namespace: string, private readonly key: string, private readonly heightMax: number) {
    this.source = history.getHistoryForKey(namespace, key)[Symbol.asyncIterator]();
  }

  /** @throws SimulationError QUERY_RESULTS_LIMIT past QUERY_RESULTS_MAX modifications */
  async next(): Promise<NextResult<Iterators.KeyModification>> {
    while (!this.closed) {
      const step = await this.source.next();
      if (step.done === true) break;
      const m = step.value;
      if (m.blockNum >= this.heightMax) continue;
      if (this.returned >= QUERY_RESULTS_MAX) {
        throw new SimulationError('QUERY_RESULTS_LIMIT', `a history query may return at most ${QUERY_RESULTS_MAX} results`, {
          namespace: this.namespace, key: this.key, max: QUERY_RESULTS_MAX,
        });
      }
      this.returned++;
      return {
        value: { txId: m.txId, value: bufferCopy(m.value), isDelete: m.isDelete, timestamp: shimTimestampFromMs(m.timestampMs) },
        done: false,
      };
    }
    return endOfIteration();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.return?.();
  }
}

/**
 * Decorates the promise of an iterator (or of `{ iterator }`) with
 * Symbol.asyncIterator, as fabric-shim does, so `for await (const kv of
 * stub.getStateByRange(a, b))` works and closes the iterator at the end or
 * on an early exit. A rejection is marked handled on the promise itself
 * (a contract that drops the promise must not take the peer down); whoever
 * awaits it still sees it.
 */
export function asyncIterablePromise<T, P extends CommonIterator<T> | { readonly iterator: CommonIterator<T> }>(
  promise: Promise<P>,
): Promise<P> & AsyncIterable<T> {
  promise.catch(() => undefined);
  const iterable = promise as Promise<P> & AsyncIterable<T>;
  iterable[Symbol.asyncIterator] = () => {
    let iterator: CommonIterator<T> | undefined;
    return {
      next: async () => {
        if (iterator === undefined) {
          const resolved = await promise;
          iterator = 'iterator' in resolved ? resolved.iterator : resolved;
        }
        const result = await iterator.next();
        if (result.done) await iterator.close();
        return result.done ? { done: true, value: undefined } : { done: false, value: result.value };
      },
      return: async () => {
        await iterator?.close();
        return { done: true, value: undefined };
      },
    };
  };
  return iterable;
}
