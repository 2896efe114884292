/**
 * A small in-memory stand-in for the endorser's simulator-backed stub, for
 * unit tests only: a Map of committed state, and per invocation a stub with
 * Fabric's semantics where they matter to contracts (reads see committed
 * state, not the transaction's own writes; getState answers an empty Buffer
 * for a missing key; values are Node Buffers, because Fabric chaincode calls
 * `.toString()` on them; range queries skip composite keys and close their
 * iterators). Methods the tests do not need throw.
 */
import Long from 'long';
import type { ChaincodeResponse, ChaincodeStub, Iterators, SerializedIdentity, Timestamp } from 'fabric-shim-api';
import type { ContractChaincode } from '../../src/index.js';

const COMPOSITE_KEY_NS = '\x00';
const MIN_RUNE = '\x00';
const MAX_RUNE = '\u{10ffff}';
const utf8 = new TextDecoder();

/** What one invocation did, besides its response. */
export interface InvocationRecord {
  readonly response: ChaincodeResponse;
  /** The payload as UTF-8 text. */
  readonly text: string;
  readonly writes: ReadonlyMap<string, Buffer | null>;
  readonly event: { name: string; payload: Buffer } | undefined;
  /** Iterators opened and not closed when the invocation returned. */
  readonly openIterators: number;
}

export interface InvokeOptions {
  readonly creator?: SerializedIdentity;
  readonly txId?: string;
  readonly timestampMs?: number;
  readonly transient?: ReadonlyMap<string, Uint8Array>;
  /** Offer the raw argument bytes with getBufferArgs, as fabric-shim's stub does. Default true. */
  readonly bufferArgs?: boolean;
  /** Apply the writes to the committed state when the response is a success. Default true. */
  readonly commit?: boolean;
}

type RangeResult = Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV>;

/** A Map-backed stub over a snapshot of `committed`. */
export class FakeStub implements ChaincodeStub {
  readonly writes = new Map<string, Buffer | null>();
  event: { name: string; payload: Buffer } | undefined;
  openIterators = 0;
  private readonly committed: ReadonlyMap<string, Buffer>;
  private readonly rawArgs: Buffer[];
  private readonly options: InvokeOptions;

  constructor(committed: ReadonlyMap<string, Buffer>, args: readonly (string | Uint8Array)[], options: InvokeOptions = {}) {
    this.committed = new Map(committed);
    this.rawArgs = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'utf8') : Buffer.from(a)));
    this.options = options;
    if (options.bufferArgs === false) {
      // Some stubs (fabric-shim-api's type) have no getBufferArgs: make this one look like them.
      (this as { getBufferArgs?: unknown }).getBufferArgs = undefined;
    }
  }

  getBufferArgs(): Uint8Array[] {
    return this.rawArgs;
  }
  getArgs(): string[] {
    return this.rawArgs.map((a) => a.toString('utf8'));
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getFunctionAndParameters(): { params: string[]; fcn: string } {
    const [fcn = '', ...params] = this.getArgs();
    return { fcn, params };
  }
  getTxID(): string {
    return this.options.txId ?? 'tx0';
  }
  getChannelID(): string {
    return 'mychannel';
  }
  getCreator(): SerializedIdentity {
    if (!this.options.creator) throw new Error('the fake stub was given no creator');
    return this.options.creator;
  }
  getMspID(): string {
    return 'Org1MSP';
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map(this.options.transient ?? []);
  }
  getTxTimestamp(): Timestamp {
    const ms = this.options.timestampMs ?? Date.UTC(2025, 0, 1);
    return { seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
  }
  getDateTimestamp(): Date {
    return new Date(this.options.timestampMs ?? Date.UTC(2025, 0, 1));
  }

  async getState(key: string): Promise<Uint8Array> {
    return this.committed.get(key) ?? Buffer.alloc(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') throw new Error('key must not be empty');
    this.writes.set(key, Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    this.writes.set(key, null);
  }
  setEvent(name: string, payload: Uint8Array): void {
    this.event = { name, payload: Buffer.from(payload) };
  }

  getStateByRange(startKey: string, endKey: string): RangeResult {
    // As fabric-shim: an empty start key means "from the first simple key", which leaves composite keys out.
    return this.range(startKey === '' ? '\x01' : startKey, endKey);
  }
  getStateByPartialCompositeKey(objectType: string, attributes: string[]): RangeResult {
    const start = this.createCompositeKey(objectType, attributes);
    return this.range(start, start + MAX_RUNE);
  }
  createCompositeKey(objectType: string, attributes: string[]): string {
    return `${COMPOSITE_KEY_NS}${objectType}${MIN_RUNE}${attributes.map((a) => `${a}${MIN_RUNE}`).join('')}`;
  }
  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    const parts = compositeKey.slice(1).split(MIN_RUNE);
    parts.pop();
    const [objectType = '', ...attributes] = parts;
    return { objectType, attributes };
  }

  private range(startKey: string, endKey: string): RangeResult {
    const keys = [...this.committed.keys()].filter((k) => k >= startKey && (endKey === '' || k < endKey)).sort();
    const rows = keys.map((key) => ({ namespace: 'test', key, value: this.committed.get(key)! }));
    this.openIterators++;
    let index = 0;
    let closed = false;
    const iterator: Iterators.StateQueryIterator = {
      next: async () => (index < rows.length ? { value: rows[index++]!, done: false } : { value: undefined as never, done: true }),
      close: async () => {
        if (!closed) this.openIterators--;
        closed = true;
      },
    };
    const promise = Promise.resolve(iterator) as RangeResult;
    promise[Symbol.asyncIterator] = () => ({
      next: async () => {
        const r = await iterator.next();
        if (r.done) await iterator.close();
        return r;
      },
      return: async () => {
        await iterator.close();
        return { value: undefined, done: true };
      },
    });
    return promise;
  }

  // The rest of Fabric's surface is not needed by these tests.
  getSignedProposal(): never { return unsupported('getSignedProposal'); }
  getBinding(): never { return unsupported('getBinding'); }
  setStateValidationParameter(): never { return unsupported('setStateValidationParameter'); }
  getStateValidationParameter(): never { return unsupported('getStateValidationParameter'); }
  getStateByRangeWithPagination(): never { return unsupported('getStateByRangeWithPagination'); }
  getStateByPartialCompositeKeyWithPagination(): never { return unsupported('getStateByPartialCompositeKeyWithPagination'); }
  getQueryResult(): never { return unsupported('getQueryResult'); }
  getQueryResultWithPagination(): never { return unsupported('getQueryResultWithPagination'); }
  getHistoryForKey(): never { return unsupported('getHistoryForKey'); }
  invokeChaincode(): never { return unsupported('invokeChaincode'); }
  getPrivateData(): never { return unsupported('getPrivateData'); }
  getPrivateDataHash(): never { return unsupported('getPrivateDataHash'); }
  putPrivateData(): never { return unsupported('putPrivateData'); }
  deletePrivateData(): never { return unsupported('deletePrivateData'); }
  purgePrivateData(): never { return unsupported('purgePrivateData'); }
  setPrivateDataValidationParameter(): never { return unsupported('setPrivateDataValidationParameter'); }
  getPrivateDataValidationParameter(): never { return unsupported('getPrivateDataValidationParameter'); }
  getPrivateDataByRange(): never { return unsupported('getPrivateDataByRange'); }
  getPrivateDataByPartialCompositeKey(): never { return unsupported('getPrivateDataByPartialCompositeKey'); }
  getPrivateDataQueryResult(): never { return unsupported('getPrivateDataQueryResult'); }
}

function unsupported(method: string): never {
  throw new Error(`${method} is not supported by the fake stub`);
}

/** Committed state and a way to run invocations against it, one after another. */
export class MemoryLedger {
  readonly state = new Map<string, Buffer>();
  private txCount = 0;

  constructor(private readonly chaincode: Pick<ContractChaincode, 'Invoke'>, private readonly defaults: InvokeOptions = {}) {}

  /** Runs one invocation; on success (and unless told not to) its writes are committed. */
  async invoke(args: readonly (string | Uint8Array)[], options: InvokeOptions = {}): Promise<InvocationRecord> {
    const merged = { txId: `tx${++this.txCount}`, ...this.defaults, ...options };
    const stub = new FakeStub(this.state, args, merged);
    const response = await this.chaincode.Invoke(stub);
    if (response.status < 400 && merged.commit !== false) {
      for (const [key, value] of stub.writes) {
        if (value === null) this.state.delete(key);
        else this.state.set(key, value);
      }
    }
    return {
      response,
      text: utf8.decode(response.payload ?? new Uint8Array(0)),
      writes: stub.writes,
      event: stub.event,
      openIterators: stub.openIterators,
    };
  }

  /** The committed value of `key` as text, or undefined. */
  text(key: string): string | undefined {
    return this.state.get(key)?.toString('utf8');
  }
}
