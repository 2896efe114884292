/**
 * From a block's final codes to its durable effects: MVCC's state updates
 * and history, the TRANSACTIONS_FILTER and COMMIT_HASH metadata, and the one
 * atomic batch (block record, hash and transaction indexes, failure
 * reasons, state, history, savepoint). Used by the commit pipeline and,
 * with the codes read back from a block's filter, by recovery and
 * verifyLedger.
 */
import { createHash } from 'node:crypto';
import { common, protos, blockMetadataSlots } from '@alliance/protocol';
import { blockCommitHash, commitHashMetadata } from '../core/commit-hash.js';
import { validateBlockMvcc, type MvccTx } from '../core/mvcc.js';
import { mvccPrefetchPlan } from '../core/mvcc-prefetch.js';
import { updateBatchBytes } from '../core/update-batch-bytes.js';
import type { StateUpdate } from '../core/block-updates.js';
import type { HistoryEntry } from '../core/mvcc.js';
import { KvBatch } from '../store/kv-batch.js';
import type { KvReader } from '../store/kv-store.js';
import {
  SAVEPOINT_KEY, blockHashKey, blockKey, encodeStateRecord, encodeTxLocation, historyKey, reasonKey, stateKey, txKey,
} from '../store/layout.js';
import { encodeBlockRecord, encodeSavepoint, type FilePosition, type Savepoint } from '../store/records.js';
import type { PreparedBlock } from '../validate/prepare-block.js';
import { StateCache } from './state-cache.js';
import { unstorableWrite } from './storable-rwset.js';

const { TxValidationCode } = protos;
const { BlockMetadataIndex } = common;
const hash = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

/** What a block does to the ledger once its codes are known. */
export interface BlockEffects {
  readonly codes: readonly number[];
  readonly reasons: readonly string[];
  readonly updates: readonly StateUpdate[];
  readonly history: readonly HistoryEntry[];
  /** The block's metadata with its filter and commit hash set. */
  readonly metadata: Uint8Array[];
  /** Empty when the block carries none (the genesis block). */
  readonly commitHash: Uint8Array;
  readonly cache: StateCache;
}

function mvccInput(block: PreparedBlock, codes: readonly number[]): MvccTx[] {
  return block.txs.map((tx) => ({
    txNum: tx.index,
    code: codes[tx.index]!,
    rwset: tx.rwset ?? null,
    collectionHashedRwSets: tx.transaction?.readWriteSet.namespaces.reduce((n, ns) => n + ns.collectionHashedRwSets.length, 0) ?? 0,
  }));
}

/**
 * Runs MVCC over the transactions still VALID in `codes`, then derives the
 * filter, the commit hash and the metadata. `cache` may already hold
 * records a policy check loaded.
 */
export async function blockEffects(
  store: KvReader, block: PreparedBlock, codesIn: readonly number[], reasonsIn: readonly string[], previousCommitHash: Uint8Array,
  cache = new StateCache(store),
): Promise<BlockEffects> {
  // Fabric's validateWriteset, between the endorsement checks and MVCC: writes the state database cannot take.
  const checkedCodes = [...codesIn];
  const checkedReasons = [...reasonsIn];
  for (const tx of block.txs) {
    const why = checkedCodes[tx.index] === TxValidationCode.VALID && tx.rwset ? unstorableWrite(tx.rwset) : undefined;
    if (why === undefined) continue;
    checkedCodes[tx.index] = TxValidationCode.INVALID_WRITESET;
    checkedReasons[tx.index] = why;
  }
  const txs = mvccInput(block, checkedCodes);
  const plan = mvccPrefetchPlan(txs);
  await cache.load(plan.keys.map((k) => [k.namespace, k.key] as const));
  let deletes = 0;
  for (const tx of txs) {
    if (tx.code !== TxValidationCode.VALID) continue;
    for (const ns of tx.rwset?.namespaces ?? []) for (const w of ns.writes) if (w.isDelete || w.value.length === 0) deletes++;
  }
  for (const r of plan.ranges) await cache.loadRange(r.namespace, r.startKey, r.endKey, deletes);
  const result = validateBlockMvcc({ blockNum: block.number, txs, state: cache.view(), hash });
  const codes = result.verdicts.map((v) => v.code);
  const reasons = result.verdicts.map((v, i) => (v.code === TxValidationCode.VALID ? '' : v.reason ?? checkedReasons[i] ?? ''));
  // A value-only write keeps the key's committed metadata: load what MVCC did not need.
  await cache.load(result.updates.filter((u) => u.kind === 'put' && u.metadata === 'committed' && !cache.has(u.namespace, u.key))
    .map((u) => [u.namespace, u.key] as const));
  const filter = Uint8Array.from(codes);
  const commitHash = blockCommitHash({
    blockNum: block.number,
    filter,
    updateBatchBytes: block.number === 0 ? new Uint8Array(0) : updateBatchBytes(result.updates, (ns, key) => cache.record(ns, key)!.value),
    previousCommitHash,
    hash,
  }) ?? new Uint8Array(0);
  const metadata: Uint8Array[] = blockMetadataSlots(block.parsed.block).map((m) => Uint8Array.from(m));
  metadata[BlockMetadataIndex.TRANSACTIONS_FILTER] = filter;
  if (commitHash.length > 0) metadata[BlockMetadataIndex.COMMIT_HASH] = commitHashMetadata(commitHash);
  return { codes, reasons, updates: result.updates, history: result.history, metadata, commitHash, cache };
}

/** Where a block landed in the block files. */
export interface BlockPlacement {
  readonly file: number;
  readonly offset: number;
  readonly length: number;
  readonly txSpans: readonly (readonly [number, number])[];
  /** The block files' end after this block. */
  readonly fileEnd: FilePosition;
}

/**
 * The atomic batch that commits a block whose bytes are durable at
 * `placement`. `onLedger`: txIds already indexed (the first occurrence of a
 * txId keeps the index entry).
 */
export function commitBatch(block: PreparedBlock, effects: BlockEffects, placement: BlockPlacement, onLedger: ReadonlySet<string>, next: Savepoint): KvBatch {
  const n = block.number;
  const batch = new KvBatch();
  const headerHash = block.parsed.headerHash;
  batch.put(blockKey(n), encodeBlockRecord({ file: placement.file, offset: placement.offset, length: placement.length, headerHash, txSpans: placement.txSpans }));
  batch.put(blockHashKey(headerHash), blockKey(n).subarray(1));
  const indexed = new Set<string>();
  for (const tx of block.txs) {
    const code = effects.codes[tx.index]!;
    if (tx.txId !== '' && !onLedger.has(tx.txId) && !indexed.has(tx.txId)) {
      indexed.add(tx.txId);
      batch.put(txKey(tx.txId), encodeTxLocation({ blockNum: n, txNum: tx.index, code }));
    }
    if (code !== TxValidationCode.VALID) batch.put(reasonKey(n, tx.index), new TextEncoder().encode(effects.reasons[tx.index] ?? ''));
  }
  for (const u of effects.updates) {
    const key = stateKey(u.namespace, u.key);
    if (u.kind === 'delete') {
      batch.del(key);
      continue;
    }
    const committed = u.value === 'committed' || u.metadata === 'committed' ? effects.cache.record(u.namespace, u.key) : null;
    batch.put(key, encodeStateRecord({
      version: u.version,
      value: u.value === 'committed' ? committed!.value : u.value,
      metadata: u.metadata === 'committed' ? committed?.metadata ?? [] : u.metadata,
    }));
  }
  const empty = new Uint8Array(0);
  for (const h of effects.history) batch.put(historyKey(h.namespace, h.key, h.blockNum, h.txNum), h.isDelete ? Uint8Array.of(1) : empty);
  batch.put(SAVEPOINT_KEY, encodeSavepoint(next));
  return batch;
}

/** The header of a prepared block, for re-encoding it with new metadata. */
export function headerOf(block: PreparedBlock): common.IBlockHeader {
  return block.parsed.block.header!;
}
