/**
 * Phantom detection for one range read (Fabric's combined_iterator.go and
 * rangequery_validator.go): the range is run again over committed state
 * merged with the updates of earlier valid transactions of the block, and
 * the results must be exactly what the transaction saw — the same keys with
 * the same versions, nothing more — or hash to the same Merkle summary.
 */
import { RANGE_QUERY_KEYS_MAX } from '../constants.js';
import type { BlockUpdates } from './block-updates.js';
import { compareKeys } from './compare-keys.js';
import { RangeQueryResultsHelper, isValidMaxDegree, type HashFunction } from './merkle.js';
import { sameVersion, type MerkleSummary, type RangeQuery } from './rwset.js';
import type { CommittedStateView, VersionedKey } from './state-view.js';

/** Where a range read is re-run: committed state and the block's earlier updates. */
export interface RangeContext {
  readonly namespace: string;
  readonly state: CommittedStateView;
  readonly updates: BlockUpdates;
}

/**
 * The results of `query` as of now, in key order (Fabric's combinedIterator):
 * committed keys of [startKey, endKey) merged with the block's updates of
 * that range — an update replaces the committed entry, a delete hides it —
 * then, when the read stopped early (not exhausted), endKey itself: the last
 * key the transaction read, taken from the updates, else committed state.
 * @throws Error from `ctx.state` when the range or end key was not prefetched, a bug
 */
export function* rangeResults(query: RangeQuery, ctx: RangeContext): Generator<VersionedKey> {
  const { startKey, endKey } = query;
  // A range whose end is not after its start is empty (LevelDB's iterator
  // and the update batch's both yield nothing), but its end key is still
  // served below when the read was not exhausted.
  const empty = endKey !== '' && compareKeys(startKey, endKey) >= 0;
  const committed = empty ? [] : ctx.state.range(ctx.namespace, startKey, endKey, false);
  const updated = empty ? [] : ctx.updates.range(ctx.namespace, startKey, endKey);
  let i = 0;
  let j = 0;
  while (i < committed.length || j < updated.length) {
    const c = committed[i];
    const u = updated[j];
    const order = c === undefined ? 1 : u === undefined ? -1 : compareKeys(c.key, u.key);
    if (order < 0) {
      yield c!;
      i++;
      continue;
    }
    if (order === 0) i++;
    j++;
    if (u!.kind === 'put') yield { key: u!.key, version: u!.version };
  }
  if (query.itrExhausted) return;
  const u = ctx.updates.get(ctx.namespace, endKey);
  if (u !== undefined) {
    if (u.kind === 'put') yield { key: endKey, version: u.version };
    return;
  }
  const version = ctx.state.version(ctx.namespace, endKey);
  if (version !== null) yield { key: endKey, version };
}

/**
 * Whether the range read still sees what it saw (false = PHANTOM_READ_CONFLICT).
 * A Merkle summary is checked when present, raw reads otherwise (none = an
 * empty range), as Fabric chooses. Unlike Fabric, a range that now holds more
 * than RANGE_QUERY_KEYS_MAX results is a phantom, so the loop is bounded; no
 * honest verdict changes, since a simulation returns at most that many
 * (Fabric's totalQueryLimit) and a range that grew past what was read is a
 * phantom anyway.
 */
export function rangeQueryStillValid(query: RangeQuery, ctx: RangeContext, hash: HashFunction): boolean {
  return query.merkle !== undefined ? merkleStillValid(query.merkle, query, ctx, hash) : rawReadsStillValid(query, ctx);
}

function rawReadsStillValid(query: RangeQuery, ctx: RangeContext): boolean {
  const reads = query.rawReads ?? [];
  let index = 0;
  for (const result of rangeResults(query, ctx)) {
    const read = reads[index];
    // An extra result, another key, or another version. (A raw read without
    // a version never matches: every result has one; Fabric's Go code
    // dereferences the nil version and panics.)
    if (read === undefined || read.key !== result.key || !sameVersion(read.version, result.version)) return false;
    index++;
  }
  return index === reads.length;
}

/**
 * Rebuilds the summary over the results (Fabric's rangeQueryHashValidator),
 * comparing each hash of the summary's top level as soon as it is built, so
 * a mismatch early in a long range stops the work early. The outcome equals
 * comparing the finished summaries; where Fabric errs or panics on a crafted
 * summary (maxDegree below 2, more hashes than maxDegree) or on a range that
 * grew by a level (an index past the end), this says phantom.
 */
function merkleStillValid(expected: MerkleSummary, query: RangeQuery, ctx: RangeContext, hash: HashFunction): boolean {
  if (!isValidMaxDegree(expected.maxDegree)) return false;
  const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: expected.maxDegree, hash });
  let compared = 0;
  let count = 0;
  for (const result of rangeResults(query, ctx)) {
    if (++count > RANGE_QUERY_KEYS_MAX) return false;
    helper.addResult(result);
    if (helper.maxLevel < expected.maxLevel) continue;
    // Levels only grow: a tree already above the expected top level cannot end at it.
    if (helper.maxLevel > expected.maxLevel) return false;
    // While the top level stays the same its hashes are final and only appended to.
    const hashes = helper.maxLevelHashes;
    for (; compared < hashes.length; compared++) {
      const want = expected.maxLevelHashes[compared];
      if (want === undefined || !bytesEqual(hashes[compared]!, want)) return false;
    }
  }
  const outcome = helper.done();
  return outcome.merkle !== undefined && summariesEqual(expected, outcome.merkle);
}

function summariesEqual(a: MerkleSummary, b: MerkleSummary): boolean {
  if (a.maxDegree !== b.maxDegree || a.maxLevel !== b.maxLevel || a.maxLevelHashes.length !== b.maxLevelHashes.length) return false;
  return a.maxLevelHashes.every((h, i) => bytesEqual(h, b.maxLevelHashes[i]!));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
