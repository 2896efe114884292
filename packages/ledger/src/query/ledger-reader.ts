/**
 * Reading a ledger: state (point, range with pagination), history, blocks
 * and transactions, chain info, and the event streams (full blocks,
 * filtered blocks, commit status, contract events) that resume from any
 * block number. Everything reads committed data only.
 */
import {
  DecodeError, common, parseBlock, parseEndorserTransaction, parseEnvelope, checkTransactionHeader,
  parseTransactionAction, protos, timestampToMs, getTransactionsFilter,
} from '@alliance/protocol';
import { LedgerError } from '../errors.js';
import { KV_GET_MANY_KEYS_MAX, KV_KEY_BYTES_MAX, STATE_PAGE_SIZE_DEFAULT, STATE_PAGE_SIZE_MAX } from '../constants.js';
import type { CommitNotifier } from '../events/commit-notifier.js';
import type { BlockFileStore } from '../store/block-files.js';
import type { KvStore } from '../store/kv-store.js';
import {
  SAVEPOINT_KEY, blockHashKey, blockKey, decodeStateRecord, decodeTxLocation, heightOfHistoryKey, historyPrefix, keyOfStateKey,
  prefixEnd, readU64, reasonKey, stateKey, stateRange, txKey, type TxLocation,
} from '../store/layout.js';
import { decodeBlockRecord, decodeSavepoint, type BlockRecord } from '../store/records.js';
import type { KvMetadataEntry, Version } from '../core/rwset.js';
import { compareKeys } from '../core/compare-keys.js';
import { KvStateSnapshot, type StateSnapshot } from './state-snapshot.js';

/** A committed value. */
export interface StateValue {
  readonly value: Uint8Array;
  readonly version: Version;
  readonly metadata: readonly KvMetadataEntry[];
}

/** One page of a range read; `bookmark` resumes after it ('' when the range is exhausted). */
export interface StatePage {
  readonly results: readonly { readonly key: string; readonly value: Uint8Array; readonly version: Version }[];
  readonly bookmark: string;
}

/** One write of a key in its history (Fabric's KeyModification). */
export interface KeyModification {
  readonly txId: string;
  readonly blockNum: number;
  readonly txNum: number;
  readonly timestampMs: number;
  readonly isDelete: boolean;
  /** Empty for a delete. */
  readonly value: Uint8Array;
}

/** A committed transaction with its fate. */
export interface CommittedTransaction extends TxLocation {
  readonly txId: string;
  readonly envelope: Uint8Array;
  /** Why it failed; '' when VALID. */
  readonly reason: string;
}

/** A block reduced to its transactions' ids and codes (Fabric's FilteredBlock). */
export interface FilteredBlock {
  readonly number: number;
  readonly channelId: string;
  readonly txs: readonly {
    readonly txId: string;
    readonly type: number;
    readonly code: number;
    /** The contract event without its payload, for valid transactions that set one. */
    readonly event?: { readonly chaincodeId: string; readonly eventName: string };
  }[];
}

/** A contract event of a valid transaction. */
export interface ContractEvent {
  readonly blockNum: number;
  readonly txNum: number;
  readonly txId: string;
  readonly chaincodeId: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

/** Height and the hashes that chain the last two blocks (Fabric's BlockchainInfo). */
export interface ChainInfo {
  readonly height: number;
  readonly currentBlockHash: Uint8Array;
  readonly previousBlockHash: Uint8Array;
}

const utf8 = new TextDecoder();

function notFound(what: string, details: Record<string, unknown>): LedgerError {
  return new LedgerError('NOT_FOUND', `${what} is not on the ledger`, details);
}

export class LedgerReader {
  constructor(protected readonly kv: KvStore, protected readonly files: BlockFileStore, protected readonly notifier: CommitNotifier) {}

  /**
   * A consistent view of committed state as of now, for simulating a
   * transaction; release it when done.
   */
  stateSnapshot(): StateSnapshot {
    return new KvStateSnapshot(this.kv.snapshot(), this.notifier.height);
  }

  /** The committed value of (namespace, key), or undefined. */
  async getState(namespace: string, key: string): Promise<StateValue | undefined> {
    const k = stateKey(namespace, key);
    // A key too long for the store was never stored (such writes are INVALID_WRITESET).
    if (k.length > KV_KEY_BYTES_MAX) return undefined;
    const v = await this.kv.get(k);
    if (!v) return undefined;
    const r = decodeStateRecord(v);
    return { value: r.value, version: r.version, metadata: r.metadata };
  }

  /**
   * Keys of `namespace` in [startKey, endKey) in key order, a page at a
   * time; endKey '' reads to the namespace's end. Pass the previous page's
   * bookmark to continue.
   * @throws LedgerError QUERY_INVALID for a page size out of range
   */
  async getStateByRange(namespace: string, startKey: string, endKey: string, options: { pageSize?: number; bookmark?: string } = {}): Promise<StatePage> {
    const pageSize = options.pageSize ?? STATE_PAGE_SIZE_DEFAULT;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > STATE_PAGE_SIZE_MAX) {
      throw new LedgerError('QUERY_INVALID', `page size must be an integer in [1, ${STATE_PAGE_SIZE_MAX}]`, { pageSize });
    }
    const from = options.bookmark && compareKeys(options.bookmark, startKey) > 0 ? options.bookmark : startKey;
    const results: { key: string; value: Uint8Array; version: Version }[] = [];
    let bookmark = '';
    for await (const chunk of this.kv.iterateChunks({ ...stateRange(namespace, from, endKey), limit: pageSize + 1 }, pageSize + 1)) {
      for (const [k, v] of chunk) {
        const key = keyOfStateKey(k, namespace);
        if (results.length === pageSize) {
          bookmark = key;
          break;
        }
        const r = decodeStateRecord(v);
        results.push({ key, value: r.value, version: r.version });
      }
    }
    return { results, bookmark };
  }

  /** Every committed write of (namespace, key), newest first (Fabric's GetHistoryForKey). */
  async *getHistoryForKey(namespace: string, key: string): AsyncGenerator<KeyModification> {
    const prefix = historyPrefix(namespace, key);
    if (prefix.length + 12 > KV_KEY_BYTES_MAX) return;
    for await (const chunk of this.kv.iterateChunks({ gte: prefix, lt: prefixEnd(prefix), reverse: true })) {
      for (const [k, v] of chunk) {
        const { blockNum, txNum } = heightOfHistoryKey(k);
        const isDelete = v.length > 0 && v[0] === 1;
        const envelope = await this.getTransactionAt(blockNum, txNum);
        yield modificationOf(envelope, namespace, key, blockNum, txNum, isDelete);
      }
    }
  }

  /**
   * A committed block's bytes (with its TRANSACTIONS_FILTER and COMMIT_HASH).
   * @throws LedgerError NOT_FOUND
   */
  async getBlockByNumber(blockNum: number): Promise<Uint8Array> {
    const record = await this.blockRecord(blockNum);
    return this.files.read({ file: record.file, offset: record.offset, length: record.length });
  }

  /** @throws LedgerError NOT_FOUND */
  async getBlockByHash(headerHash: Uint8Array): Promise<Uint8Array> {
    const v = await this.kv.get(blockHashKey(headerHash));
    if (!v) throw notFound('a block with that hash', { hash: Buffer.from(headerHash).toString('hex') });
    return this.getBlockByNumber(readU64(v, 0));
  }

  /** The block holding the transaction. @throws LedgerError NOT_FOUND */
  async getBlockByTxId(txId: string): Promise<Uint8Array> {
    return this.getBlockByNumber((await this.txLocation(txId)).blockNum);
  }

  /** A transaction with its validation code and, when invalid, the reason. @throws LedgerError NOT_FOUND */
  async getTransactionById(txId: string): Promise<CommittedTransaction> {
    const loc = await this.txLocation(txId);
    const envelope = await this.getTransactionAt(loc.blockNum, loc.txNum);
    const reason = loc.code === protos.TxValidationCode.VALID ? '' : utf8.decode(await this.kv.get(reasonKey(loc.blockNum, loc.txNum)) ?? new Uint8Array(0));
    return { ...loc, txId, envelope, reason };
  }

  /** The envelope at (block, position), read alone from the block files. @throws LedgerError NOT_FOUND */
  async getTransactionAt(blockNum: number, txNum: number): Promise<Uint8Array> {
    const record = await this.blockRecord(blockNum);
    const span = record.txSpans[txNum];
    if (!span) throw notFound(`transaction ${txNum} of block ${blockNum}`, { blockNum, txNum });
    return this.files.read({ file: record.file, offset: record.offset + span[0], length: span[1] });
  }

  /** @throws LedgerError NOT_FOUND */
  /** Whether a transaction with this id is on the ledger (valid or not): the endorser's duplicate check, without an error per miss. */
  async hasTransaction(txId: string): Promise<boolean> {
    return (await this.kv.get(txKey(txId))) !== undefined;
  }

  /** `hasTransaction` for many ids at once: one index read per 64k ids, answers in the same order. */
  async hasTransactions(txIds: readonly string[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < txIds.length; i += KV_GET_MANY_KEYS_MAX) {
      const values = await this.kv.getMany(txIds.slice(i, i + KV_GET_MANY_KEYS_MAX).map(txKey));
      for (const v of values) out.push(v !== undefined);
    }
    return out;
  }

  async txLocation(txId: string): Promise<TxLocation> {
    const v = await this.kv.get(txKey(txId));
    if (!v) throw notFound(`transaction ${txId}`, { txId });
    return decodeTxLocation(v);
  }

  async chainInfo(): Promise<ChainInfo> {
    const v = await this.kv.get(SAVEPOINT_KEY);
    if (!v) return { height: 0, currentBlockHash: new Uint8Array(0), previousBlockHash: new Uint8Array(0) };
    const s = decodeSavepoint(v);
    const current = await this.blockRecord(s.height - 1);
    const previous = s.height >= 2 ? (await this.blockRecord(s.height - 2)).headerHash : new Uint8Array(0);
    return { height: s.height, currentBlockHash: current.headerHash, previousBlockHash: previous };
  }

  protected async blockRecord(blockNum: number): Promise<BlockRecord> {
    if (!Number.isSafeInteger(blockNum) || blockNum < 0) throw notFound(`block ${blockNum}`, { blockNum });
    const v = await this.kv.get(blockKey(blockNum));
    if (!v) throw notFound(`block ${blockNum}`, { blockNum });
    return decodeBlockRecord(v);
  }

  /**
   * Resolves with the transaction's block, position and code once it is
   * committed (at once if it already is).
   */
  async commitStatus(txId: string, signal?: AbortSignal): Promise<TxLocation> {
    const watch = this.notifier.watchTx(txId, signal);
    const v = await this.kv.get(txKey(txId));
    if (v) {
      watch.cancel();
      return decodeTxLocation(v);
    }
    return watch.promise;
  }

  /** Committed blocks from `fromBlock` on, waiting for new ones; ends when the ledger closes or `signal` aborts. */
  async *blocks(fromBlock = 0, signal?: AbortSignal): AsyncGenerator<{ readonly number: number; readonly bytes: Uint8Array }> {
    for (let n = fromBlock; ; n++) {
      if (!(await this.waitFor(n + 1, signal))) return;
      yield { number: n, bytes: await this.getBlockByNumber(n) };
    }
  }

  /** Filtered blocks (txId, type and code per transaction) from `fromBlock` on. */
  async *filteredBlocks(fromBlock = 0, signal?: AbortSignal): AsyncGenerator<FilteredBlock> {
    for await (const b of this.blocks(fromBlock, signal)) yield filterBlock(b.bytes);
  }

  /** Contract events of valid transactions from `fromBlock` on, optionally of one contract. */
  async *contractEvents(fromBlock = 0, options: { chaincodeId?: string; signal?: AbortSignal } = {}): AsyncGenerator<ContractEvent> {
    for await (const b of this.blocks(fromBlock, options.signal)) {
      for (const e of eventsOf(b.bytes)) if (!options.chaincodeId || e.chaincodeId === options.chaincodeId) yield e;
    }
  }

  private async waitFor(height: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.notifier.waitForHeight(height, signal);
      return true;
    } catch (err) {
      if (err instanceof LedgerError && (err.code === 'LEDGER_CLOSED' || err.code === 'QUERY_INVALID')) return false;
      throw err;
    }
  }
}

interface TxSummary {
  readonly txId: string;
  readonly type: number;
  readonly timestampMs: number;
  readonly event?: protos.ChaincodeEvent;
}

/** What a committed envelope says about itself; undefined parts when it does not decode. */
function summarize(envelope: Uint8Array, valid: boolean): TxSummary {
  try {
    const env = parseEnvelope(envelope);
    const base = { txId: env.txId, type: env.type, timestampMs: env.channelHeader.timestamp ? timestampToMs(env.channelHeader.timestamp) : 0 };
    if (!valid || env.type !== common.HeaderType.ENDORSER_TRANSACTION) return base;
    const tx = parseTransactionAction(parseEndorserTransaction(checkTransactionHeader(env)));
    return tx.event ? { ...base, event: tx.event } : base;
  } catch (err) {
    if (err instanceof DecodeError) return { txId: '', type: -1, timestampMs: 0 };
    throw err;
  }
}

function filterBlock(bytes: Uint8Array): FilteredBlock {
  const parsed = parseBlock(bytes);
  const filter = getTransactionsFilter(parsed.block) ?? new Uint8Array(0);
  let channelId = '';
  const txs = parsed.envelopes.map((e, i) => {
    const code = filter[i] ?? protos.TxValidationCode.NOT_VALIDATED;
    const s = summarize(e, code === protos.TxValidationCode.VALID);
    if (!channelId && s.txId) channelId = channelIdOf(e);
    return { txId: s.txId, type: s.type, code, ...(s.event ? { event: { chaincodeId: s.event.chaincodeId, eventName: s.event.eventName } } : {}) };
  });
  return { number: Number(parsed.number), channelId, txs };
}

function channelIdOf(envelope: Uint8Array): string {
  try {
    return parseEnvelope(envelope).channelId;
  } catch {
    return '';
  }
}

function eventsOf(bytes: Uint8Array): ContractEvent[] {
  const parsed = parseBlock(bytes);
  const filter = getTransactionsFilter(parsed.block) ?? new Uint8Array(0);
  const out: ContractEvent[] = [];
  parsed.envelopes.forEach((e, i) => {
    if (filter[i] !== protos.TxValidationCode.VALID) return;
    const s = summarize(e, true);
    if (s.event) {
      out.push({ blockNum: Number(parsed.number), txNum: i, txId: s.txId, chaincodeId: s.event.chaincodeId, eventName: s.event.eventName, payload: s.event.payload });
    }
  });
  return out;
}

function modificationOf(envelope: Uint8Array, namespace: string, key: string, blockNum: number, txNum: number, isDelete: boolean): KeyModification {
  const env = parseEnvelope(envelope);
  const tx = parseTransactionAction(parseEndorserTransaction(checkTransactionHeader(env)));
  let value: Uint8Array = new Uint8Array(0);
  const ns = tx.readWriteSet.namespaces.find((n) => n.namespace === namespace);
  const write = ns?.writes.find((w) => w.key === key);
  if (write && !isDelete) value = write.value;
  return {
    txId: env.txId, blockNum, txNum, isDelete, value,
    timestampMs: env.channelHeader.timestamp ? timestampToMs(env.channelHeader.timestamp) : 0,
  };
}

