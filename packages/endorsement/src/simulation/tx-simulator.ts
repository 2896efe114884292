/**
 * Fabric's transaction simulator (core/ledger/kvledger/txmgmt/txmgr/
 * tx_simulator.go and query_executor.go) over a snapshot of committed
 * state: it answers a contract's reads and records them with the version
 * it saw, buffers its writes, and finally yields the transaction's
 * read-write set.
 *
 * READS NEVER SEE THE TRANSACTION'S OWN WRITES. As in Fabric, getState
 * after putState of the same key returns the COMMITTED value (or nothing),
 * and range reads return committed entries only; writes are buffered until
 * the transaction commits, and a contract that needs "read your own write"
 * must keep the value itself. This is what makes a read-write set a
 * precondition on committed state that MVCC validation can check.
 *
 * One simulator serves one proposal, contract-to-contract calls included
 * (each namespace records separately). It does not own the snapshot: call
 * `results` or `done` (which close its iterators) before releasing it.
 */
import type { KvMetadataEntry, StateSnapshot, StateValue } from '@alliance/ledger';
import {
  SIMULATION_ITERATORS_MAX, READ_WRITE_SET_BYTES_MAX, SIMULATION_READS_MAX, SIMULATION_WRITES_MAX, SIMULATION_WRITE_BYTES_MAX,
  STATE_VALUE_BYTES_MAX,
} from '../constants.js';
import { VALIDATION_PARAMETER } from '../core/validation-parameter-updates.js';
import { SimulationError } from '../errors.js';
import { SimulationRangeIterator } from './range-iterator.js';
import { RwSetBuilder } from './rwset-builder.js';
import { checkKey, checkNamespace, utf8Length } from './text.js';

export interface TxSimulatorOptions {
  /** Committed state as of the simulation's start; its owner releases it after `results` or `done`. */
  readonly snapshot: StateSnapshot;
  /** Reported in errors. */
  readonly txId?: string;
}

/** What a finished simulation hands to the endorser. */
export interface SimulationResults {
  /** The encoded rwset.TxReadWriteSet: identical bytes for identical calls on identical state. */
  readonly readWriteSet: Uint8Array;
  /** The namespaces in the read-write set, in its order. */
  readonly namespaces: readonly string[];
  /** Whether anything was written, deleted or given metadata. */
  readonly hasWrites: boolean;
}

/** Anything a simulation opened that must be closed with it (history iterators). */
export interface SimulationResource {
  close(): Promise<void>;
}

export class TxSimulator {
  readonly snapshot: StateSnapshot;
  readonly txId: string | undefined;
  private readonly builder = new RwSetBuilder();
  private readonly iterators: SimulationRangeIterator[] = [];
  private readonly resources: SimulationResource[] = [];
  private writeBytes = 0;
  private writePerformed = false;
  private paginatedQueryPerformed = false;
  private finished = false;

  constructor(options: TxSimulatorOptions) {
    this.snapshot = options.snapshot;
    this.txId = options.txId;
  }

  /** Whether `results` or `done` ended the simulation. */
  get isDone(): boolean {
    return this.finished;
  }

  /** Whether a write, delete or metadata write was recorded. */
  get hasWrites(): boolean {
    return this.builder.hasWrites;
  }

  /**
   * The committed value of (namespace, key), recording the read with the
   * version seen (or "absent"). Never the transaction's own write.
   * @throws SimulationError NAMESPACE_INVALID, KEY_INVALID, KEY_TOO_LARGE, READS_LIMIT, SIMULATION_DONE
   */
  async getState(namespace: string, key: string): Promise<StateValue | undefined> {
    this.checkOpen();
    checkNamespace(namespace);
    checkKey(namespace, key, false);
    const state = await this.snapshot.getState(namespace, key);
    this.checkOpen();
    this.recordRead(namespace, key, state);
    return state;
  }

  /**
   * The committed metadata of a key (its key-level policy lives here). Like
   * Fabric's GetStateMetadata in a simulation, it records a read of the key.
   * @throws SimulationError as getState
   */
  async getStateMetadata(namespace: string, key: string): Promise<readonly KvMetadataEntry[]> {
    return (await this.getState(namespace, key))?.metadata ?? [];
  }

  /**
   * Opens a range read of committed keys in [startKey, endKey) ('' = to the
   * end), recorded as it is read (see SimulationRangeIterator).
   * @throws SimulationError NAMESPACE_INVALID, KEY_INVALID, KEY_TOO_LARGE, ITERATORS_LIMIT, SIMULATION_DONE
   */
  getStateRange(namespace: string, startKey: string, endKey: string): SimulationRangeIterator {
    return this.openRange(namespace, startKey, endKey, undefined);
  }

  /**
   * Opens one page of a range read: at most `pageSize` results. As in
   * Fabric, paginated queries are for read-only transactions: refused once
   * the simulation wrote, and writes are refused after one.
   * @throws SimulationError PAGINATED_QUERY_AFTER_WRITE, ARGUMENT_INVALID, and as getStateRange
   */
  getStateRangePage(namespace: string, startKey: string, endKey: string, pageSize: number): SimulationRangeIterator {
    this.checkOpen();
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new SimulationError('ARGUMENT_INVALID', 'a page size is a positive integer', { txId: this.txId, pageSize });
    }
    if (this.writePerformed) {
      throw new SimulationError('PAGINATED_QUERY_AFTER_WRITE', 'paginated queries are supported only in a read-only transaction', {
        txId: this.txId, namespace,
      });
    }
    const iterator = this.openRange(namespace, startKey, endKey, pageSize);
    this.paginatedQueryPerformed = true;
    return iterator;
  }

  /**
   * Buffers a write; an empty value is a delete (Fabric). The value is
   * copied. The last write of a key wins.
   * @throws SimulationError NAMESPACE_INVALID, KEY_INVALID, KEY_TOO_LARGE, VALUE_INVALID, VALUE_TOO_LARGE, WRITES_LIMIT,
   *   WRITE_BYTES_LIMIT, WRITE_AFTER_PAGINATED_QUERY, SIMULATION_DONE
   */
  setState(namespace: string, key: string, value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) {
      throw new SimulationError('VALUE_INVALID', 'a value must be bytes', { txId: this.txId, namespace, key, type: typeof value });
    }
    if (value.length > STATE_VALUE_BYTES_MAX) {
      throw new SimulationError('VALUE_TOO_LARGE', `a value may take at most ${STATE_VALUE_BYTES_MAX} bytes`, {
        txId: this.txId, namespace, key, bytes: value.length, max: STATE_VALUE_BYTES_MAX,
      });
    }
    this.checkWrite(namespace, key);
    const old = this.builder.bufferedWrite(namespace, key);
    this.chargeWrite(namespace, key, utf8Length(key) + value.length, old === undefined ? 0 : utf8Length(key) + (old?.length ?? 0));
    this.builder.addWrite(namespace, key, value.slice());
  }

  /**
   * Buffers a delete of the key.
   * @throws SimulationError as setState
   */
  deleteState(namespace: string, key: string): void {
    this.checkWrite(namespace, key);
    const old = this.builder.bufferedWrite(namespace, key);
    this.chargeWrite(namespace, key, utf8Length(key), old === undefined ? 0 : utf8Length(key) + (old?.length ?? 0));
    this.builder.addWrite(namespace, key, null);
  }

  /**
   * Buffers a replacement of the key's whole metadata (Fabric's
   * SetStateMetadata); entries are copied and sorted by name. No entries
   * clears the metadata.
   * @throws SimulationError as setState
   */
  setStateMetadata(namespace: string, key: string, entries: readonly KvMetadataEntry[]): void {
    this.checkWrite(namespace, key);
    const copies = entries.map((e) => ({ name: e.name, value: e.value.slice() }));
    const size = (list: readonly KvMetadataEntry[]) => list.reduce((n, e) => n + utf8Length(e.name) + e.value.length, utf8Length(key));
    const old = this.builder.bufferedMetadataWrite(namespace, key);
    this.chargeWrite(namespace, key, size(copies), old === undefined ? 0 : size(old));
    this.builder.addMetadataWrite(namespace, key, copies);
  }

  /**
   * Buffers the key-level endorsement policy of a key: a metadata write of
   * the single entry VALIDATION_PARAMETER holding the encoded
   * common.SignaturePolicyEnvelope (Fabric's setStateValidationParameter).
   * The bytes are not checked here; validation judges them.
   * @throws SimulationError as setState
   */
  setValidationParameter(namespace: string, key: string, policy: Uint8Array): void {
    if (!(policy instanceof Uint8Array)) {
      throw new SimulationError('VALUE_INVALID', 'a validation parameter must be bytes', { txId: this.txId, namespace, key });
    }
    this.setStateMetadata(namespace, key, [{ name: VALIDATION_PARAMETER, value: policy }]);
  }

  /**
   * Registers something the simulation opened (a history iterator) to be
   * closed by `done`.
   * @throws SimulationError ITERATORS_LIMIT, SIMULATION_DONE
   */
  adopt(resource: SimulationResource): void {
    this.checkOpen();
    this.countIterator();
    this.resources.push(resource);
  }

  /**
   * Ends the simulation and gives its read-write set: every range read is
   * summed up in the order its iterator was opened, iterators are closed.
   * Once only; afterwards every call throws SIMULATION_DONE.
   * @throws SimulationError RWSET_TOO_LARGE, SIMULATION_DONE
   */
  async results(): Promise<SimulationResults> {
    this.checkOpen();
    await this.done();
    for (const it of this.iterators) this.builder.addRangeQuery(it.namespace, it.recorded());
    const readWriteSet = this.builder.encode();
    if (readWriteSet.length > READ_WRITE_SET_BYTES_MAX) {
      throw new SimulationError('RWSET_TOO_LARGE', `the read-write set takes ${readWriteSet.length} bytes, more than ${READ_WRITE_SET_BYTES_MAX}`, {
        txId: this.txId, bytes: readWriteSet.length, max: READ_WRITE_SET_BYTES_MAX,
      });
    }
    return { readWriteSet, namespaces: this.builder.namespaceNames(), hasWrites: this.builder.hasWrites };
  }

  /** Ends the simulation without results, closing every iterator; idempotent. Call before releasing the snapshot. */
  async done(): Promise<void> {
    this.finished = true;
    const closing = [...this.iterators, ...this.resources].map((r) => r.close());
    const outcomes = await Promise.allSettled(closing);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private openRange(namespace: string, startKey: string, endKey: string, pageSize: number | undefined): SimulationRangeIterator {
    this.checkOpen();
    checkNamespace(namespace);
    checkKey(namespace, startKey, false);
    checkKey(namespace, endKey, false);
    this.countIterator();
    const iterator = new SimulationRangeIterator({
      snapshot: this.snapshot, namespace, startKey, endKey,
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(this.txId === undefined ? {} : { txId: this.txId }),
    });
    this.iterators.push(iterator);
    return iterator;
  }

  private countIterator(): void {
    if (this.iterators.length + this.resources.length >= SIMULATION_ITERATORS_MAX) {
      throw new SimulationError('ITERATORS_LIMIT', `a simulation may open at most ${SIMULATION_ITERATORS_MAX} iterators`, {
        txId: this.txId, max: SIMULATION_ITERATORS_MAX,
      });
    }
  }

  private recordRead(namespace: string, key: string, state: StateValue | undefined): void {
    if (!this.builder.hasRead(namespace, key) && this.builder.reads >= SIMULATION_READS_MAX) {
      throw new SimulationError('READS_LIMIT', `a simulation may read at most ${SIMULATION_READS_MAX} keys`, {
        txId: this.txId, namespace, key, max: SIMULATION_READS_MAX,
      });
    }
    this.builder.addRead(namespace, key, state === undefined ? null : state.version);
  }

  private checkWrite(namespace: string, key: string): void {
    this.checkOpen();
    checkNamespace(namespace);
    checkKey(namespace, key, true);
    if (this.paginatedQueryPerformed) {
      throw new SimulationError('WRITE_AFTER_PAGINATED_QUERY', 'the transaction performed a paginated query; writes are not allowed', {
        txId: this.txId, namespace, key,
      });
    }
    if (!this.builder.hasWrite(namespace, key) && this.builder.writtenKeys >= SIMULATION_WRITES_MAX) {
      throw new SimulationError('WRITES_LIMIT', `a simulation may write at most ${SIMULATION_WRITES_MAX} keys`, {
        txId: this.txId, namespace, key, max: SIMULATION_WRITES_MAX,
      });
    }
  }

  // Accounts for a write replacing one of `oldBytes`; refuses it when the total would pass the bound.
  private chargeWrite(namespace: string, key: string, newBytes: number, oldBytes: number): void {
    const total = this.writeBytes - oldBytes + newBytes;
    if (total > SIMULATION_WRITE_BYTES_MAX) {
      throw new SimulationError('WRITE_BYTES_LIMIT', `a simulation may write at most ${SIMULATION_WRITE_BYTES_MAX} bytes`, {
        txId: this.txId, namespace, key, bytes: total, max: SIMULATION_WRITE_BYTES_MAX,
      });
    }
    this.writeBytes = total;
    this.writePerformed = true;
  }

  private checkOpen(): void {
    if (this.finished) {
      throw new SimulationError('SIMULATION_DONE', 'the simulation has ended; this instance must not be used any more', { txId: this.txId });
    }
  }
}
