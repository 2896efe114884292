/**
 * MVCC validation of a block (Fabric's validation/validator.go with
 * batch_preparer.go): transactions in block order, each still-valid one
 * checked against committed state and the writes of the valid transactions
 * before it, its own writes then added to the block's updates. The outcome
 * is data — a code per transaction, the state updates, the history entries
 * — and an invalid transaction is a code, never an exception.
 */
import { protos } from '@alliance/protocol';
import { assert } from './assert.js';
import { BlockUpdates, isDeleteWrite, type StateUpdate } from './block-updates.js';
import type { HashFunction } from './merkle.js';
import { rangeQueryStillValid } from './range-query.js';
import { sameVersion, type NsRwSet, type TxRwSet, type Version } from './rwset.js';
import type { CommittedStateView } from './state-view.js';

const { TxValidationCode } = protos;

/** One transaction of the block as MVCC sees it. */
export interface MvccTx {
  /** Position in the block; strictly increasing over the input. */
  readonly txNum: number;
  /** The code from the earlier stages: VALID, or already invalid (then skipped, its writes ignored). */
  readonly code: number;
  /** Null for a valid transaction without state effects (a config transaction). */
  readonly rwset: TxRwSet | null;
  /**
   * Private data collections (hashed read-write sets) the transaction
   * carries. Alliance has no private data: such a transaction is
   * INVALID_OTHER_REASON rather than half validated (see validateBlockMvcc).
   */
  readonly collectionHashedRwSets?: number;
}

export interface MvccBlockInput {
  readonly blockNum: number;
  /** The block's transactions in order. */
  readonly txs: readonly MvccTx[];
  /** Committed state as of the previous block, prefetched (see `mvccPrefetchPlan`). */
  readonly state: CommittedStateView;
  /** SHA-256, to recompute range-query Merkle summaries. */
  readonly hash: HashFunction;
}

/** The decision for one transaction: a TxValidationCode and, when MVCC invalidated it, why. */
export interface MvccVerdict {
  readonly txNum: number;
  readonly code: number;
  readonly reason?: string;
}

/**
 * A write recorded in the history index (Fabric's history DB keeps one entry
 * per valid transaction and key it wrote, metadata writes excluded). When a
 * crafted transaction writes a key twice, the first write is the one
 * Fabric's history query reports, so it is the one here.
 */
export interface HistoryEntry {
  readonly namespace: string;
  readonly key: string;
  readonly blockNum: number;
  readonly txNum: number;
  readonly isDelete: boolean;
  /** The written value, a view into the block; null for a delete. */
  readonly value: Uint8Array | null;
}

export interface MvccBlockResult {
  /** Final verdict per input transaction, in input order. */
  readonly verdicts: readonly MvccVerdict[];
  /** The block's state updates, by namespace then key in key order (compareKeys). */
  readonly updates: readonly StateUpdate[];
  /** Every write of every valid transaction, in block order, then in write order. */
  readonly history: readonly HistoryEntry[];
}

/**
 * Validates a block's transactions in order. For each still-valid one, per
 * namespace in order (as Fabric): every read — MVCC_READ_CONFLICT when an
 * earlier valid transaction of the block wrote, deleted or re-versioned the
 * key, or its committed version differs (null = absent); then every range
 * read — PHANTOM_READ_CONFLICT when re-running it over committed state plus
 * earlier updates gives other results. A transaction with private data
 * collections is INVALID_OTHER_REASON before any read is checked (Fabric
 * would check hashed reads third and commit hashed writes; Alliance stores
 * no private data, so it refuses what it cannot validate). A valid
 * transaction's writes then join the block's updates at version
 * (blockNum, txNum).
 * @throws Error (assertion) on a malformed input: txNums not strictly
 *   increasing, a non-integer block number, or a read the state view was not
 *   prefetched for — bugs of the caller, never an invalid transaction.
 */
export function validateBlockMvcc(input: MvccBlockInput): MvccBlockResult {
  const { blockNum, state, hash } = input;
  assert(Number.isSafeInteger(blockNum) && blockNum >= 0, `block number ${blockNum} is a non-negative integer`);
  const updates = new BlockUpdates();
  const verdicts: MvccVerdict[] = [];
  const history: HistoryEntry[] = [];
  let previousTxNum = -1;
  for (const tx of input.txs) {
    assert(Number.isSafeInteger(tx.txNum) && tx.txNum > previousTxNum, `txNum ${tx.txNum} follows ${previousTxNum}`);
    previousTxNum = tx.txNum;
    if (tx.code !== TxValidationCode.VALID || tx.rwset === null) {
      verdicts.push({ txNum: tx.txNum, code: tx.code });
      continue;
    }
    const verdict = validateTx(tx, tx.rwset, { state, updates, hash });
    verdicts.push(verdict);
    if (verdict.code !== TxValidationCode.VALID) continue;
    const version: Version = { blockNum, txNum: tx.txNum };
    updates.applyTx(tx.rwset, version, state);
    recordHistory(history, tx.rwset, version);
  }
  return { verdicts, updates: updates.list(), history };
}

interface TxContext {
  readonly state: CommittedStateView;
  readonly updates: BlockUpdates;
  readonly hash: HashFunction;
}

function validateTx(tx: MvccTx, rwset: TxRwSet, ctx: TxContext): MvccVerdict {
  const txNum = tx.txNum;
  if ((tx.collectionHashedRwSets ?? 0) > 0) {
    return { txNum, code: TxValidationCode.INVALID_OTHER_REASON, reason: 'private data collections are not supported' };
  }
  for (const ns of rwset.namespaces) {
    const readConflict = firstReadConflict(ns, ctx);
    if (readConflict !== undefined) return { txNum, code: TxValidationCode.MVCC_READ_CONFLICT, reason: readConflict };
    const phantom = firstPhantom(ns, ctx);
    if (phantom !== undefined) return { txNum, code: TxValidationCode.PHANTOM_READ_CONFLICT, reason: phantom };
  }
  return { txNum, code: TxValidationCode.VALID };
}

function firstReadConflict(ns: NsRwSet, ctx: TxContext): string | undefined {
  for (const read of ns.reads) {
    const pending = ctx.updates.get(ns.namespace, read.key);
    const committed = pending === undefined ? ctx.state.version(ns.namespace, read.key) : null;
    if (pending === undefined && sameVersion(committed, read.version)) continue;
    const what = `${JSON.stringify(ns.namespace)} key ${JSON.stringify(read.key)} read ${versionText(read.version)}`;
    if (pending !== undefined) return `${what}, ${pending.kind === 'delete' ? 'deleted' : 'written'} by tx ${pending.version.txNum} of this block`;
    return `${what}, committed ${versionText(committed)}`;
  }
  return undefined;
}

function firstPhantom(ns: NsRwSet, ctx: TxContext): string | undefined {
  const rangeCtx = { namespace: ns.namespace, state: ctx.state, updates: ctx.updates };
  for (const query of ns.rangeQueries) {
    if (!rangeQueryStillValid(query, rangeCtx, ctx.hash)) {
      const end = query.endKey === '' ? ')' : query.itrExhausted ? `${JSON.stringify(query.endKey)})` : `${JSON.stringify(query.endKey)}]`;
      return `${JSON.stringify(ns.namespace)} range [${JSON.stringify(query.startKey)}, ${end} changed`;
    }
  }
  return undefined;
}

function versionText(v: Version | null): string {
  return v === null ? 'absent' : `at ${v.blockNum}.${v.txNum}`;
}

function recordHistory(history: HistoryEntry[], rwset: TxRwSet, version: Version): void {
  // One entry per (namespace, key) of the transaction, as Fabric's history keys are.
  const seenByNamespace = new Map<string, Set<string>>();
  for (const ns of rwset.namespaces) {
    let seen = seenByNamespace.get(ns.namespace);
    if (seen === undefined) {
      seen = new Set();
      seenByNamespace.set(ns.namespace, seen);
    }
    for (const w of ns.writes) {
      if (seen.has(w.key)) continue;
      seen.add(w.key);
      const isDelete = isDeleteWrite(w);
      history.push({
        namespace: ns.namespace, key: w.key, blockNum: version.blockNum, txNum: version.txNum, isDelete, value: isDelete ? null : w.value,
      });
    }
  }
}
