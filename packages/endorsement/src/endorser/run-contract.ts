/**
 * One contract run for one proposal: a fresh simulator over a snapshot of
 * committed state, the contract's Invoke (or Init) on a stub, a deadline,
 * and the read-write set. A contract that throws answers status 500 with
 * its message; nothing of one run leaks into another.
 */
import type { StateSnapshot } from '@alliance/ledger';
import type { Identity, ParsedProposal } from '@alliance/protocol';
import type { Chaincode, ChaincodeRegistry } from '../chaincode.js';
import { ChaincodeStatus } from '../chaincode.js';
import { LIFECYCLE_NAMESPACE, contractNameProblem } from '../core/contract-definition-rules.js';
import { ProposalError } from '../errors.js';
import { SimulationStub } from '../simulation/simulation-stub.js';
import type { HistorySource } from '../simulation/stub-iterators.js';
import { TxSimulator } from '../simulation/tx-simulator.js';
import type { ContractResponse, DefinitionInfo, DefinitionLookup } from './endorser.js';

/**
 * Where a contract records that it was initialized for a version (Fabric's
 * InitializedKeyName: 0x00, U+10FFFF, "initialized"), in its own namespace.
 */
export const INITIALIZED_KEY = '\u0000\u{10FFFF}initialized';

/** What the endorser reads of the ledger. */
export interface EndorserLedger extends HistorySource {
  /** A consistent view of committed state; released by the run. */
  stateSnapshot(): StateSnapshot;
  /** Whether a transaction with this id is already on the ledger (valid or not). */
  hasTransaction(txId: string): Promise<boolean>;
}

export interface ContractRunInput {
  readonly proposal: ParsedProposal;
  readonly creator: Identity;
  /** The installed contract, undefined when it is not installed on this peer. */
  readonly chaincode: Chaincode | undefined;
  /** The committed definition, read through the simulation (the read lands in the read-write set, as Fabric's). */
  readonly definitions: DefinitionLookup;
  readonly chaincodes: ChaincodeRegistry;
  readonly ledger: EndorserLedger;
  readonly peerMspId: string;
  readonly deadlineMs: number;
}

/** The outcome of a run: the response, and for a successful one its read-write set and event. */
export interface ContractRun {
  readonly response: ContractResponse;
  readonly rwset: Uint8Array;
  readonly definition: DefinitionInfo;
  readonly event?: { readonly name: string; readonly payload: Uint8Array };
}

const EMPTY = new Uint8Array(0);

function responseOf(r: { status?: number; message?: string; payload?: Uint8Array } | undefined): ContractResponse {
  if (!r || typeof r.status !== 'number' || !Number.isInteger(r.status)) {
    return { status: ChaincodeStatus.ERROR, message: 'the contract returned no response', payload: EMPTY };
  }
  return { status: r.status, message: typeof r.message === 'string' ? r.message : '', payload: r.payload instanceof Uint8Array ? r.payload : EMPTY };
}

/**
 * Fabric's CheckInit: a definition that requires init takes one `is_init`
 * invocation per version (recorded under INITIALIZED_KEY), before any
 * other; a definition that does not refuses `is_init`.
 * @returns an error response, or undefined to go on
 */
async function checkInit(simulator: TxSimulator, name: string, definition: DefinitionInfo, isInit: boolean): Promise<ContractResponse | undefined> {
  const refuse = (message: string) => ({ status: ChaincodeStatus.ERROR, message, payload: EMPTY });
  if (!definition.initRequired) {
    return isInit ? refuse(`contract ${name} does not require initialization but was called as init`) : undefined;
  }
  const marker = await simulator.getState(name, INITIALIZED_KEY);
  const initialized = marker !== undefined && Buffer.from(marker.value).toString('utf8') === definition.version;
  if (isInit) {
    if (initialized) return refuse(`contract ${name} is already initialized but was called as init`);
    simulator.setState(name, INITIALIZED_KEY, new TextEncoder().encode(definition.version));
    return undefined;
  }
  return initialized ? undefined : refuse(`contract ${name} has not been initialized for version ${definition.version}: call it as init first`);
}

/**
 * Runs the contract; never throws for what the contract does.
 * @throws ProposalError CONTRACT_NOT_DEFINED, CONTRACT_NOT_INSTALLED (before anything runs); LifecycleError for an unusable committed definition
 */
export async function runContract(input: ContractRunInput): Promise<ContractRun> {
  const { proposal } = input;
  const name = proposal.chaincodeName;
  const txId = proposal.txId;
  const snapshot = input.ledger.stateSnapshot();
  const simulator = new TxSimulator({ snapshot, txId });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const read = async (ns: string, key: string) => (await simulator.getState(ns, key))?.value;
    // A name that cannot even be a key of `_lifecycle` (too long, not UTF-8) names no definition.
    const lookup = async (contract: string) =>
      (contract === LIFECYCLE_NAMESPACE || contractNameProblem(contract) === undefined ? input.definitions(contract, read) : undefined);
    const definition = await lookup(name);
    if (!definition) throw new ProposalError('CONTRACT_NOT_DEFINED', `contract ${name} is not defined on channel ${proposal.channelId}`, { txId, name });
    const chaincode = input.chaincode;
    if (!chaincode) throw new ProposalError('CONTRACT_NOT_INSTALLED', `contract ${name} is not installed on this peer`, { txId, name });
    let stub: SimulationStub | undefined;
    let response: ContractResponse;
    const isInit = proposal.chaincodeSpec.input?.isInit === true;
    const initRefusal = await checkInit(simulator, name, definition, isInit);
    if (initRefusal) return { response: initRefusal, rwset: EMPTY, definition };
    try {
      stub = new SimulationStub({
        simulator, proposal, creator: input.creator, peerMspId: input.peerMspId, registry: input.chaincodes, history: input.ledger,
        // Fabric's CheckInvocation: the callee must be defined (the read is recorded) and initialized.
        checkCallee: async (callee) => {
          const calleeDefinition = await lookup(callee);
          if (!calleeDefinition) return `contract ${callee} is not defined on channel ${proposal.channelId}`;
          return (await checkInit(simulator, callee, calleeDefinition, false))?.message;
        },
      });
      const call = isInit && chaincode.Init ? chaincode.Init(stub) : chaincode.Invoke(stub);
      const deadline = new Promise<ContractResponse>((resolve) => {
        timer = setTimeout(() => resolve({ status: ChaincodeStatus.ERROR, message: `the contract ran longer than ${input.deadlineMs} ms`, payload: EMPTY }), input.deadlineMs);
      });
      response = await Promise.race([call.then(responseOf), deadline]);
    } catch (err) {
      response = { status: ChaincodeStatus.ERROR, message: err instanceof Error ? err.message : String(err), payload: EMPTY };
    }
    if (response.status < 200 || response.status >= ChaincodeStatus.ERROR_THRESHOLD) {
      await simulator.done().catch(() => undefined);
      return { response, rwset: EMPTY, definition };
    }
    try {
      const results = await simulator.results();
      const event = stub?.chaincodeEvent;
      return { response, rwset: results.readWriteSet, definition, ...(event ? { event: { name: event.eventName, payload: event.payload } } : {}) };
    } catch (err) {
      return { response: { status: ChaincodeStatus.ERROR, message: err instanceof Error ? err.message : String(err), payload: EMPTY }, rwset: EMPTY, definition };
    }
  } finally {
    if (timer) clearTimeout(timer);
    await simulator.done().catch(() => undefined);
    await snapshot.release();
  }
}
