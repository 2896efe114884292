/**
 * The stub one contract invocation runs against: fabric-shim-api's
 * ChaincodeStub over a TxSimulator, so contracts written for Fabric's Node
 * shim run unchanged. Behaviour follows fabric-shim (libraries/fabric-shim/
 * lib/stub.js) and the peer's handler (core/chaincode/handler.go):
 *
 * - getState returns the COMMITTED value, never this transaction's own
 *   write (see TxSimulator), and an empty Buffer for an absent key;
 * - putState of an empty value is a delete (the peer's rwset builder);
 * - range queries record what the contract pulls, one result at a time;
 *   opening one reads its first result, as the peer's handler does;
 * - paginated queries read their whole page at once, return a bookmark,
 *   and are refused once the transaction wrote (and forbid later writes);
 * - one contract event per transaction, the last setEvent wins; a called
 *   contract's event is dropped, as Fabric drops it;
 * - invokeChaincode runs another installed contract inside the same
 *   simulation under its own namespace, same channel only, once
 *   `checkCallee` (Fabric's CheckInvocation: defined, initialized) lets it,
 *   and refuses a contract already on the call stack (Fabric's duplicate
 *   transaction context);
 * - rich queries and private data are not offered (NOT_SUPPORTED).
 *
 * Arguments, transient data and identities come from the proposal; values
 * handed out are Buffer copies, so nothing leaks between invocations.
 */
import type { ChaincodeProposal, ChaincodeResponse, ChaincodeStub, Iterators, SerializedIdentity, StateQueryResponse, Timestamp } from 'fabric-shim-api';
import type { StateEntry } from '@alliance/ledger';
import type { Identity, ParsedProposal } from '@alliance/protocol';
import type { ChaincodeRegistry } from '../chaincode.js';
import { CHAINCODE_EVENT_BYTES_MAX, INVOKE_ARGS_BYTES_MAX, INVOKE_DEPTH_MAX, PAGE_SIZE_MAX, QUERY_RESULTS_MAX } from '../constants.js';
import { VALIDATION_PARAMETER } from '../core/validation-parameter-updates.js';
import { SimulationError } from '../errors.js';
import { createCompositeKey, partialCompositeKeyRange, simpleKeyRange, splitCompositeKey } from './composite-key.js';
import { X509ClientIdentity } from './client-identity.js';
import { ProposalView } from './proposal-view.js';
import { HistoryQueryIterator, StateQueryIterator, asyncIterablePromise, type HistorySource } from './stub-iterators.js';
import type { TxSimulator } from './tx-simulator.js';
import { bufferCopy, checkKey, decodeUtf8, encodeUtf8, isWellFormed, utf8Length } from './text.js';

type QueryPromise = Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV>;
type PageQueryPromise = Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV>;

export interface SimulationStubOptions {
  readonly simulator: TxSimulator;
  /** The proposal being simulated (parseSignedProposal). */
  readonly proposal: ParsedProposal;
  /** The invoked contract, whose namespace reads and writes go to; default: the proposal's chaincode name. */
  readonly namespace?: string;
  /** Arguments, function name first; default: the proposal's. */
  readonly args?: readonly Uint8Array[];
  /** The endorsing peer's MSP id, for getMspID. */
  readonly peerMspId?: string;
  /** The proposal's creator as the endorser deserialized and validated it, for `clientIdentity()`. */
  readonly creator?: Identity;
  /** Contracts installed on the peer, which invokeChaincode may call once `checkCallee` lets it. */
  readonly registry?: ChaincodeRegistry;
  /**
   * Fabric's CheckInvocation for a contract invokeChaincode is about to
   * run: resolves to why it may not (not defined on the channel, not
   * initialized for its version), or undefined to go on. It should read
   * through this stub's simulator, so the callee's definition read is
   * recorded as Fabric records it. Absent: every contract of `registry`
   * may be called.
   */
  readonly checkCallee?: (name: string) => Promise<string | undefined>;
  /** Committed history, for getHistoryForKey (a LedgerReader). */
  readonly history?: HistorySource;
  /** Contracts already on the call stack, outermost first; set by invokeChaincode. */
  readonly callers?: readonly string[];
}

/** The contract event a simulation emits (ChaincodeEvent without the ids the endorser adds). */
export interface SimulationEvent {
  readonly eventName: string;
  readonly payload: Uint8Array;
}

function notSupported(what: string): never {
  throw new SimulationError('NOT_SUPPORTED', `${what} is not supported by Alliance (no rich queries, no private data)`, { what });
}

function errorResponse(message: string): ChaincodeResponse {
  return { status: 500, message, payload: Buffer.alloc(0) };
}

export class SimulationStub implements ChaincodeStub {
  readonly namespace: string;
  readonly simulator: TxSimulator;
  private readonly options: SimulationStubOptions;
  private readonly view: ProposalView;
  private readonly args: readonly Uint8Array[];
  private readonly callers: readonly string[];
  private creatorIdentity: X509ClientIdentity | undefined;
  private stringArgs: string[] | undefined;
  private event: SimulationEvent | undefined;

  /**
   * @throws SimulationError NAMESPACE_INVALID; DecodeError for a proposal timestamp beyond safe seconds
   */
  constructor(options: SimulationStubOptions) {
    this.options = options;
    this.simulator = options.simulator;
    this.namespace = options.namespace ?? options.proposal.chaincodeName;
    this.args = options.args ?? options.proposal.args;
    this.callers = options.callers ?? [];
    this.view = new ProposalView(options.proposal);
  }

  /** The event the contract set (last wins); always undefined on a called contract's stub. */
  get chaincodeEvent(): SimulationEvent | undefined {
    return this.event;
  }

  // --- arguments and the proposal

  /** @throws SimulationError UTF8_INVALID when an argument is not UTF-8 */
  getArgs(): string[] {
    return this.getStringArgs();
  }

  /**
   * The arguments as strings. fabric-shim decodes them lossily (U+FFFD for
   * bad bytes), so two different byte strings could read as one; Alliance
   * refuses instead, naming the argument, and the contract can read the
   * bytes with getBufferArgs.
   * @throws SimulationError UTF8_INVALID when an argument is not UTF-8
   */
  getStringArgs(): string[] {
    this.stringArgs ??= this.args.map((a, index) => {
      const which = index === 0 ? 'the function name' : `parameter ${index - 1}`;
      return decodeUtf8(a, { txId: this.getTxID(), argument: index }, `argument ${index} (${which}) is not valid UTF-8; read it as bytes with getBufferArgs`);
    });
    return [...this.stringArgs];
  }

  /** The raw arguments as Buffers (fabric-shim's getBufferArgs, which fabric-contract-api reads). */
  getBufferArgs(): Buffer[] {
    return this.args.map(bufferCopy);
  }

  /** @throws SimulationError UTF8_INVALID when an argument is not UTF-8 */
  getFunctionAndParameters(): { params: string[]; fcn: string } {
    const [fcn, ...params] = this.getStringArgs();
    return fcn === undefined ? { fcn: '', params: [] } : { fcn, params };
  }

  getTxID(): string {
    return this.options.proposal.txId;
  }

  getChannelID(): string {
    return this.options.proposal.channelId;
  }

  getCreator(): SerializedIdentity {
    const creator = this.options.proposal.creator;
    return { mspid: creator.mspid, idBytes: bufferCopy(creator.idBytes) };
  }

  /** @throws SimulationError PEER_MSP_UNSET when the endorser gave no MSP id (fabric-shim: CORE_PEER_LOCALMSPID unset) */
  /**
   * The creator as fabric-shim's ClientIdentity, built from the identity the
   * endorser already validated (no certificate parsed again), or undefined
   * when the stub was made without it. An Alliance extension: the contract
   * SDK uses it for `ctx.clientIdentity` when present.
   */
  clientIdentity(): X509ClientIdentity | undefined {
    if (!this.options.creator) return undefined;
    this.creatorIdentity ??= new X509ClientIdentity(this.options.creator);
    return this.creatorIdentity;
  }

  getMspID(): string {
    if (this.options.peerMspId === undefined) throw new SimulationError('PEER_MSP_UNSET', "the peer's MSP id is not set", {});
    return this.options.peerMspId;
  }

  getTransient(): Map<string, Uint8Array> {
    return this.view.transientMap();
  }

  getSignedProposal(): ChaincodeProposal.SignedProposal {
    return this.view.signedProposal();
  }

  /** The proposal's channel header timestamp: the same on every endorser, unlike a clock. */
  getTxTimestamp(): Timestamp {
    return this.view.timestamp;
  }

  getDateTimestamp(): Date {
    return this.view.date;
  }

  getBinding(): string {
    return this.view.binding;
  }

  // --- state

  /** The committed value, or an empty Buffer. @throws SimulationError (see TxSimulator.getState) */
  async getState(key: string): Promise<Uint8Array> {
    const state = await this.simulator.getState(this.namespace, key);
    return state === undefined ? Buffer.alloc(0) : bufferCopy(state.value);
  }

  /** Buffers a write (a string is written as UTF-8, as fabric-shim does). @throws SimulationError (see TxSimulator.setState) */
  async putState(key: string, value: Uint8Array): Promise<void> {
    const bytes: unknown = value;
    this.simulator.setState(this.namespace, key, typeof bytes === 'string' ? encodeUtf8(bytes) : value);
  }

  /** @throws SimulationError (see TxSimulator.deleteState) */
  async deleteState(key: string): Promise<void> {
    this.simulator.deleteState(this.namespace, key);
  }

  /** Sets the key-level endorsement policy (an encoded SignaturePolicyEnvelope). @throws SimulationError */
  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.simulator.setValidationParameter(this.namespace, key, ep);
  }

  /**
   * The committed key-level policy, recording a read of the key; undefined
   * when there is none (fabric-shim's runtime answer, though its typings
   * say Uint8Array).
   * @throws SimulationError (see TxSimulator.getState)
   */
  async getStateValidationParameter(key: string): Promise<Uint8Array> {
    const entries = await this.simulator.getStateMetadata(this.namespace, key);
    const entry = entries.find((e) => e.name === VALIDATION_PARAMETER);
    return (entry === undefined ? undefined : bufferCopy(entry.value)) as Uint8Array;
  }

  // --- queries

  getStateByRange(startKey: string, endKey: string): QueryPromise {
    return asyncIterablePromise(this.openRange(() => simpleKeyRange(startKey, endKey)));
  }

  getStateByRangeWithPagination(startKey: string, endKey: string, pageSize: number, bookmark?: string): PageQueryPromise {
    return asyncIterablePromise(this.openPage(() => simpleKeyRange(startKey, endKey), pageSize, bookmark));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): QueryPromise {
    return asyncIterablePromise(this.openRange(() => partialCompositeKeyRange(objectType, attributes)));
  }

  getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark?: string): PageQueryPromise {
    return asyncIterablePromise(this.openPage(() => partialCompositeKeyRange(objectType, attributes), pageSize, bookmark));
  }

  /** Committed modifications of the key, newest first, up to the simulation's snapshot. */
  getHistoryForKey(key: string): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    return asyncIterablePromise(this.openHistory(key));
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return createCompositeKey(objectType, attributes);
  }

  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    return splitCompositeKey(compositeKey);
  }

  // --- events and other contracts

  /**
   * Sets the transaction's contract event; the last call wins.
   * @throws SimulationError EVENT_INVALID for an empty or malformed name or a payload that is not bytes, EVENT_TOO_LARGE
   */
  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '' || !isWellFormed(name)) {
      throw new SimulationError('EVENT_INVALID', 'Event name must be a non-empty string', { txId: this.getTxID() });
    }
    const raw: unknown = payload;
    const bytes = raw === undefined || raw === null ? new Uint8Array(0) : typeof raw === 'string' ? encodeUtf8(raw) : raw;
    if (!(bytes instanceof Uint8Array)) throw new SimulationError('EVENT_INVALID', 'an event payload must be bytes', { txId: this.getTxID(), name });
    const size = utf8Length(name) + bytes.length;
    if (size > CHAINCODE_EVENT_BYTES_MAX) {
      throw new SimulationError('EVENT_TOO_LARGE', `an event may take at most ${CHAINCODE_EVENT_BYTES_MAX} bytes`, {
        txId: this.getTxID(), name, bytes: size, max: CHAINCODE_EVENT_BYTES_MAX,
      });
    }
    // A called contract's event never reaches the transaction in Fabric.
    if (this.callers.length === 0) this.event = { eventName: name, payload: bytes.slice() };
  }

  /**
   * Runs another installed contract in this simulation (its reads and writes
   * under its own namespace) and returns its response. Refusals (another
   * channel, re-entry, depth, `checkCallee`'s, not installed) and a callee
   * that throws are error responses (status 500): a failing callee is one in
   * fabric-shim too, where a refusal by the peer would throw instead.
   * @throws SimulationError ARGUMENT_INVALID when args are not strings or bytes, or too large
   */
  async invokeChaincode(chaincodeName: string, args: string[], channel: string): Promise<ChaincodeResponse> {
    // Fabric's ParseName: "name[:version][/channel]"; the version is ignored.
    const [nameAndVersion = '', channelInName = ''] = String(chaincodeName).split(/\/(.*)/s);
    const name = nameAndVersion.split(':')[0] ?? '';
    const target = channel ? channel : channelInName;
    if (target !== '' && target !== this.getChannelID()) {
      return errorResponse(`contract ${name} on channel ${target}: calling a contract on another channel is not supported`);
    }
    const encoded = this.encodeInvokeArgs(args);
    if (name === '') return errorResponse('a contract name is required');
    if (name === this.namespace || this.callers.includes(name)) {
      return errorResponse(`contract ${name} is already running in this transaction; a contract cannot be re-entered`);
    }
    if (this.callers.length + 2 > INVOKE_DEPTH_MAX) return errorResponse(`contracts may call each other at most ${INVOKE_DEPTH_MAX} deep`);
    // As Fabric: the definition first (its read recorded), then whether the peer has the contract.
    let refusal: string | undefined;
    try {
      refusal = await this.options.checkCallee?.(name);
    } catch (err) {
      refusal = err instanceof Error ? err.message : String(err);
    }
    if (refusal !== undefined) return errorResponse(refusal);
    const callee = this.options.registry?.get(name);
    if (callee === undefined) return errorResponse(`contract ${name} is not installed on this peer or not defined on channel ${this.getChannelID()}`);
    const stub = new SimulationStub({ ...this.options, namespace: name, args: encoded, callers: [...this.callers, this.namespace] });
    let response: ChaincodeResponse | undefined;
    try {
      response = await callee.Invoke(stub);
    } catch (err) {
      return errorResponse(err instanceof Error ? err.message : String(err));
    }
    if (!response || !response.status) return errorResponse(`contract ${name} returned no response (neither success nor error)`);
    return { status: response.status, message: response.message ?? '', payload: bufferCopy(response.payload ?? new Uint8Array(0)) };
  }

  // --- not offered

  getQueryResult(_query: string): QueryPromise {
    return notSupported('getQueryResult (rich queries)');
  }
  getQueryResultWithPagination(_query: string, _pageSize: number, _bookmark?: string): PageQueryPromise {
    return notSupported('getQueryResultWithPagination (rich queries)');
  }
  getPrivateData(_collection: string, _key: string): Promise<Uint8Array> {
    return notSupported('getPrivateData');
  }
  getPrivateDataHash(_collection: string, _key: string): Promise<Uint8Array> {
    return notSupported('getPrivateDataHash');
  }
  putPrivateData(_collection: string, _key: string, _value: Uint8Array): Promise<void> {
    return notSupported('putPrivateData');
  }
  deletePrivateData(_collection: string, _key: string): Promise<void> {
    return notSupported('deletePrivateData');
  }
  purgePrivateData(_collection: string, _key: string): Promise<void> {
    return notSupported('purgePrivateData');
  }
  setPrivateDataValidationParameter(_collection: string, _key: string, _ep: Uint8Array): Promise<void> {
    return notSupported('setPrivateDataValidationParameter');
  }
  getPrivateDataValidationParameter(_collection: string, _key: string): Promise<Uint8Array> {
    return notSupported('getPrivateDataValidationParameter');
  }
  getPrivateDataByRange(_collection: string, _startKey: string, _endKey: string): QueryPromise {
    return notSupported('getPrivateDataByRange');
  }
  getPrivateDataByPartialCompositeKey(_collection: string, _objectType: string, _attributes: string[]): QueryPromise {
    return notSupported('getPrivateDataByPartialCompositeKey');
  }
  getPrivateDataQueryResult(_collection: string, _query: string): QueryPromise {
    return notSupported('getPrivateDataQueryResult');
  }

  // --- helpers

  // Opens at call time (so iterators are recorded in call order), then reads the first result.
  private async openRange(bounds: () => { startKey: string; endKey: string }): Promise<Iterators.StateQueryIterator> {
    const { startKey, endKey } = bounds();
    const range = this.simulator.getStateRange(this.namespace, startKey, endKey);
    const first = await range.next();
    return new StateQueryIterator(range, first === undefined ? [] : [first], true);
  }

  // Fabric's handler: a non-empty bookmark replaces the start key; the page is read whole.
  private async openPage(
    bounds: () => { startKey: string; endKey: string }, pageSize: number, bookmark: string | undefined,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> {
    const { startKey, endKey } = bounds();
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE_MAX) {
      // Fabric reads a page size of 0 as "not paginated" and a negative one as "no limit"; Alliance refuses both.
      throw new SimulationError('ARGUMENT_INVALID', `a page size is an integer in [1, ${PAGE_SIZE_MAX}]`, { txId: this.getTxID(), pageSize });
    }
    if (bookmark !== undefined && bookmark !== null && typeof bookmark !== 'string') {
      throw new SimulationError('ARGUMENT_INVALID', 'a bookmark is a string', { txId: this.getTxID() });
    }
    const range = this.simulator.getStateRangePage(this.namespace, bookmark ? bookmark : startKey, endKey, Math.min(pageSize, QUERY_RESULTS_MAX));
    const results: StateEntry[] = [];
    for (let entry = await range.next(); entry !== undefined; entry = await range.next()) results.push(entry);
    const next = await range.bookmarkAndClose();
    return { iterator: new StateQueryIterator(range, results, false), metadata: { fetchedRecordsCount: results.length, bookmark: next } };
  }

  private async openHistory(key: string): Promise<Iterators.HistoryQueryIterator> {
    const history = this.options.history;
    if (history === undefined) throw new SimulationError('HISTORY_UNAVAILABLE', 'this endorser was given no history reader', { txId: this.getTxID() });
    checkKey(this.namespace, key, false);
    const iterator = new HistoryQueryIterator(history, this.namespace, key, this.simulator.snapshot.height);
    this.simulator.adopt(iterator);
    return iterator;
  }

  private encodeInvokeArgs(args: readonly unknown[]): Uint8Array[] {
    if (!Array.isArray(args)) throw new SimulationError('ARGUMENT_INVALID', 'invokeChaincode args must be an array', { txId: this.getTxID() });
    let total = 0;
    const encoded = args.map((a, index) => {
      const bytes = typeof a === 'string' && isWellFormed(a) ? encodeUtf8(a) : a instanceof Uint8Array ? a.slice() : undefined;
      if (bytes === undefined) {
        throw new SimulationError('ARGUMENT_INVALID', `invokeChaincode argument ${index} is not bytes or a valid UTF-8 string`, { index });
      }
      total += bytes.length;
      return bytes;
    });
    if (total > INVOKE_ARGS_BYTES_MAX) {
      throw new SimulationError('ARGUMENT_INVALID', `invokeChaincode arguments may take at most ${INVOKE_ARGS_BYTES_MAX} bytes`, { bytes: total });
    }
    return encoded;
  }
}
