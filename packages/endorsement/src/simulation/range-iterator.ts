/**
 * One range read of a simulation (Fabric's resultsItr in
 * core/ledger/kvledger/txmgmt/txmgr/query_executor.go): it pulls committed
 * entries of [startKey, endKey) from the snapshot one at a time and
 * records what it handed out, so the validator can re-run the range and
 * detect phantoms. The record follows Fabric:
 *
 * - each result goes to a RangeQueryResultsHelper (raw reads up to the
 *   Merkle max degree, a Merkle summary above it);
 * - endKey is the last key returned while the range is not exhausted
 *   (the validator re-reads [startKey, endKey] then), and the requested
 *   endKey once a pull found nothing more (itrExhausted);
 * - an iterator never pulled records startKey with an empty endKey, not
 *   exhausted, and no reads.
 *
 * Nothing is recorded by closing: a transaction's record must not depend
 * on whether a contract remembered to close its iterator (Fabric's
 * comment on Next says the same).
 */
import { sha256 } from '@alliance/protocol';
import { RangeQueryResultsHelper, compareKeys, type StateEntry, type StateSnapshot } from '@alliance/ledger';
import { QUERY_RESULTS_MAX, RANGE_QUERY_MERKLE_MAX_DEGREE } from '../constants.js';
import { SimulationError } from '../errors.js';
import type { RecordedRangeQuery } from './rwset-builder.js';

export interface RangeIteratorOptions {
  readonly snapshot: StateSnapshot;
  readonly namespace: string;
  readonly startKey: string;
  /** '' reads to the end of the namespace. */
  readonly endKey: string;
  /**
   * A page (Fabric's paginated query): at most `pageSize` results, then the
   * iterator stops without being exhausted and `bookmarkAndClose` gives the
   * next key. Without it, a range returning more than QUERY_RESULTS_MAX
   * results fails.
   */
  readonly pageSize?: number;
  readonly txId?: string;
}

/** A range read over a snapshot that records its results for MVCC (phantom) validation. */
export class SimulationRangeIterator {
  readonly namespace: string;
  readonly startKey: string;
  private readonly requestedEndKey: string;
  private readonly pageSize: number | undefined;
  private readonly txId: string | undefined;
  private readonly helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: RANGE_QUERY_MERKLE_MAX_DEGREE, hash: (b) => sha256(b) });
  private readonly entries: AsyncGenerator<StateEntry> | undefined;
  // Pulls run one after another even when a contract does not await them.
  private queue: Promise<unknown> = Promise.resolve();
  private recordedEndKey = '';
  private exhausted = false;
  private closed = false;
  private returned = 0;
  private summary: RecordedRangeQuery | undefined;

  constructor(options: RangeIteratorOptions) {
    this.namespace = options.namespace;
    this.startKey = options.startKey;
    this.requestedEndKey = options.endKey;
    this.pageSize = options.pageSize;
    this.txId = options.txId;
    // A range ending at or before its start is empty; the store is not asked.
    const empty = options.endKey !== '' && compareKeys(options.startKey, options.endKey) >= 0;
    // One more than may be returned: for a page, the bookmark; else, to tell "exactly the limit" from "too many".
    const limit = (options.pageSize ?? QUERY_RESULTS_MAX) + 1;
    this.entries = empty ? undefined : options.snapshot.getStateRange(options.namespace, options.startKey, options.endKey, limit);
  }

  /** Results returned so far. */
  get count(): number {
    return this.returned;
  }

  /** Whether a pull found the end of the range. */
  get isExhausted(): boolean {
    return this.exhausted;
  }

  /**
   * The next committed entry of the range, recorded; undefined at the end of
   * the range, at the end of a page, or once closed.
   * @throws SimulationError QUERY_RESULTS_LIMIT when a range that is not a page holds more than QUERY_RESULTS_MAX results
   */
  next(): Promise<StateEntry | undefined> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * The key a next page would start at ('' when the range is exhausted), not
   * recorded, then closes (Fabric's GetBookmarkAndClose).
   */
  bookmarkAndClose(): Promise<string> {
    const result = this.queue.then(async () => {
      let bookmark = '';
      if (!this.exhausted && !this.closed && this.entries !== undefined) {
        const peek = await this.entries.next();
        if (!peek.done) bookmark = peek.value.key;
      }
      await this.closeNow();
      return bookmark;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops reading the store; what was recorded stays recorded. Idempotent. */
  close(): Promise<void> {
    const result = this.queue.then(() => this.closeNow());
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** What the transaction records for this range; computed once. */
  recorded(): RecordedRangeQuery {
    if (this.summary === undefined) {
      const reads = this.helper.done();
      const base = { startKey: this.startKey, endKey: this.recordedEndKey, itrExhausted: this.exhausted };
      this.summary = reads.merkle !== undefined ? { ...base, merkle: reads.merkle } : { ...base, rawReads: reads.rawReads };
    }
    return this.summary;
  }

  private async pull(): Promise<StateEntry | undefined> {
    if (this.closed || this.exhausted || this.summary !== undefined) return undefined;
    if (this.entries === undefined) {
      this.markExhausted();
      return undefined;
    }
    if (this.pageSize !== undefined && this.returned >= this.pageSize) return undefined;
    const step = await this.entries.next();
    if (step.done) {
      this.markExhausted();
      return undefined;
    }
    if (this.returned >= QUERY_RESULTS_MAX) {
      // Fabric's handler quietly ends the iterator at totalQueryLimit; a
      // scan that silently lost results would give the contract a wrong
      // answer, so Alliance refuses instead.
      throw new SimulationError('QUERY_RESULTS_LIMIT', `a range query may return at most ${QUERY_RESULTS_MAX} results`, {
        txId: this.txId, namespace: this.namespace, startKey: this.startKey, endKey: this.requestedEndKey, max: QUERY_RESULTS_MAX,
      });
    }
    const entry = step.value;
    this.helper.addResult({ key: entry.key, version: entry.version });
    this.recordedEndKey = entry.key;
    this.returned++;
    return entry;
  }

  private markExhausted(): void {
    this.exhausted = true;
    this.recordedEndKey = this.requestedEndKey;
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.entries?.return(undefined);
  }
}
