/**
 * The runtime shared by native contracts and loaded Fabric chaincode: it
 * turns contract bindings into a `Chaincode` that routes each invocation as
 * fabric-shim's contract chaincode does (lib/contract-spi/
 * chaincodefromcontract.js): split `Contract:Function`, make a fresh
 * context, run beforeTransaction, aroundTransaction (the function),
 * afterTransaction, serialize the result; a function that is not a
 * transaction goes to unknownTransaction. Every failure becomes a status 500
 * response with the error's message; the endorser never sees a throw.
 *
 * Unlike fabric-shim, each invocation gets a fresh contract instance:
 * simulations run concurrently in one process, and a field one transaction
 * sets must not be read by another.
 */
import { ChaincodeStatus, type Chaincode, type ChaincodeResponse, type ChaincodeStub, type ClientIdentity } from './chaincode-interface.js';
import {
  CONTRACT_METADATA_SCHEMA, SYSTEM_CONTRACT_NAME, type ChaincodeMetadata, type ContractMetadata, type TransactionMetadata,
} from './chaincode-metadata.js';
import { clientIdentityOf } from './client-identity.js';
import { CONTRACTS_PER_CHAINCODE_MAX } from './constants.js';
import { ContractError } from './errors.js';
import { splitFunctionName } from './function-name.js';
import { serializeResult } from './json-serializer.js';
import { readInvocation } from './transaction-arguments.js';

/** What the runtime needs of a context: Fabric's two setters (ours and fabric-contract-api's both have them). */
export interface ContextLike {
  setChaincodeStub(stub: ChaincodeStub): void;
  setClientIdentity(clientIdentity: ClientIdentity): void;
}

/** What the runtime needs of a contract instance: Fabric's lifecycle methods. */
export interface ContractInstance {
  beforeTransaction(ctx: ContextLike): unknown;
  afterTransaction(ctx: ContextLike, result: unknown): unknown;
  aroundTransaction(ctx: ContextLike, fn: string, args: unknown[]): unknown;
  unknownTransaction(ctx: ContextLike): unknown;
  createContext(): ContextLike;
}

/** One transaction function as the runtime calls it. */
export interface TransactionBinding {
  readonly name: string;
  /** Evaluate-only: it reads and must not be endorsed for submission. */
  readonly evaluateOnly: boolean;
  readonly metadata: TransactionMetadata;
  /**
   * The function's parameters from the invocation's string arguments.
   * @throws ContractError ARGUMENT_COUNT_MISMATCH, ARGUMENT_INVALID
   */
  decodeArguments(args: readonly string[]): unknown[];
  /** The payload for the function's return value. @throws ContractError RESULT_NOT_SERIALIZABLE, RESULT_TOO_LARGE */
  serializeResult(result: unknown): Uint8Array;
}

/** A contract as the runtime routes to it. */
export interface ContractBinding {
  readonly name: string;
  readonly transactions: ReadonlyMap<string, TransactionBinding>;
  readonly info: ContractMetadata['info'];
  /** A fresh instance for one invocation. @throws whatever the contract's constructor throws */
  instantiate(): ContractInstance;
  /**
   * The payload when unknownTransaction returns: ours serializes its return
   * value; fabric-shim drops it and answers an empty success.
   */
  unknownTransactionPayload(result: unknown): Uint8Array;
  /** Adds what the contract expects on its context beyond stub and identity (fabric-shim's `ctx.logging`). */
  prepareContext?(ctx: ContextLike): void;
}

/** What a routed chaincode is built from. */
export interface RoutedChaincodeSpec {
  readonly contracts: readonly ContractBinding[];
  /** The contract a function name without `Contract:` goes to. Default: the first. */
  readonly defaultContract?: string;
  readonly title?: string;
  readonly version?: string;
  /** Complex types, as Fabric's `@Object` records them. */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

/** A `Chaincode` made of contracts, with its metadata. */
export interface ContractChaincode extends Chaincode {
  Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  Init(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  isEvaluateOnly(fcn: string): boolean;
  /** The contract a bare function name goes to. */
  readonly defaultContract: string;
  /** What `org.hyperledger.fabric:GetMetadata` answers. */
  readonly metadata: ChaincodeMetadata;
}

const EMPTY = Buffer.alloc(0);
// fabric-shim answers a proposal without any argument with this success (chaincodefromcontract.js).
const NO_FUNCTION_PAYLOAD = Buffer.from('Default initiator successful.', 'utf8');

function success(payload: Uint8Array): ChaincodeResponse {
  return { status: ChaincodeStatus.OK, message: '', payload };
}

function failure(error: unknown): ChaincodeResponse {
  const message = error instanceof Error ? error.message : String(error);
  return { status: ChaincodeStatus.ERROR, message, payload: EMPTY };
}

class SystemContext implements ContextLike {
  stub: ChaincodeStub | undefined;
  setChaincodeStub(stub: ChaincodeStub): void {
    this.stub = stub;
  }
  setClientIdentity(): void {}
}

function systemContract(metadata: () => ChaincodeMetadata): ContractBinding {
  const getMetadata: TransactionBinding = {
    name: 'GetMetadata',
    evaluateOnly: true,
    metadata: { name: 'GetMetadata' },
    decodeArguments: () => [],
    serializeResult,
  };
  const instance: ContractInstance = {
    beforeTransaction: () => undefined,
    afterTransaction: () => undefined,
    aroundTransaction: () => metadata(),
    unknownTransaction: (ctx) => {
      const { fcn } = (ctx as SystemContext).stub!.getFunctionAndParameters();
      throw new ContractError('FUNCTION_NOT_FOUND', `function "${fcn}" not found in contract "${SYSTEM_CONTRACT_NAME}"`, { fcn });
    },
    createContext: () => new SystemContext(),
  };
  return {
    name: SYSTEM_CONTRACT_NAME,
    transactions: new Map([[getMetadata.name, getMetadata]]),
    info: { title: '', version: '' },
    instantiate: () => instance,
    unknownTransactionPayload: () => EMPTY,
  };
}

function buildMetadata(spec: RoutedChaincodeSpec, all: readonly ContractBinding[], defaultName: string): ChaincodeMetadata {
  const contracts: Record<string, ContractMetadata> = {};
  for (const c of all) {
    contracts[c.name] = {
      name: c.name,
      contractInstance: c.name === defaultName ? { name: c.name, default: true } : { name: c.name },
      transactions: [...c.transactions.values()].map((t) => t.metadata),
      info: c.info,
    };
  }
  return {
    $schema: CONTRACT_METADATA_SCHEMA,
    contracts,
    info: { title: spec.title ?? '', version: spec.version ?? '' },
    components: { schemas: spec.schemas ?? {} },
  };
}

/**
 * A chaincode routing to `spec.contracts` plus Fabric's system contract.
 * @throws ContractError CONTRACT_INVALID when there are no contracts, too many, duplicate or reserved names, or an unknown default
 */
export function routedChaincode(spec: RoutedChaincodeSpec): ContractChaincode {
  if (spec.contracts.length === 0) throw new ContractError('CONTRACT_INVALID', 'a chaincode needs at least one contract', {});
  if (spec.contracts.length > CONTRACTS_PER_CHAINCODE_MAX) {
    throw new ContractError('CONTRACT_INVALID', `${spec.contracts.length} contracts, more than the ${CONTRACTS_PER_CHAINCODE_MAX} allowed`, {
      count: spec.contracts.length, max: CONTRACTS_PER_CHAINCODE_MAX,
    });
  }
  const byName = new Map<string, ContractBinding>();
  for (const c of spec.contracts) {
    // fabric-shim lets a later contract silently replace an earlier one of the same name; we refuse.
    if (byName.has(c.name) || c.name === SYSTEM_CONTRACT_NAME) {
      throw new ContractError('CONTRACT_INVALID', `contract name "${c.name}" is used twice or reserved`, { contract: c.name });
    }
    byName.set(c.name, c);
  }
  const defaultName = spec.defaultContract ?? spec.contracts[0]!.name;
  if (!byName.has(defaultName)) {
    throw new ContractError('CONTRACT_INVALID', `the default contract "${defaultName}" is not in the chaincode`, { contract: defaultName });
  }
  // The system contract describes every contract, itself included: it reads the metadata once built.
  const built: { metadata?: ChaincodeMetadata } = {};
  const system = systemContract(() => built.metadata!);
  byName.set(system.name, system);
  const metadata = buildMetadata(spec, [...spec.contracts, system], defaultName);
  built.metadata = metadata;

  const resolve = (name: string) => {
    const { contract, fcn } = splitFunctionName(name);
    return { binding: byName.get(contract ?? defaultName), contract: contract ?? defaultName, fcn };
  };

  async function invoke(stub: ChaincodeStub): Promise<ChaincodeResponse> {
    try {
      const { name, args } = readInvocation(stub);
      if (name === undefined) return success(NO_FUNCTION_PAYLOAD);
      const { binding, contract, fcn } = resolve(name);
      if (!binding) throw new ContractError('CONTRACT_NOT_FOUND', `contract "${contract}" not found`, { contract });
      const instance = binding.instantiate();
      const ctx = instance.createContext();
      ctx.setChaincodeStub(stub);
      ctx.setClientIdentity(clientIdentityOf(stub));
      binding.prepareContext?.(ctx);
      const transaction = binding.transactions.get(fcn);
      if (!transaction) return success(binding.unknownTransactionPayload(await instance.unknownTransaction(ctx)));
      const parameters = transaction.decodeArguments(args);
      await instance.beforeTransaction(ctx);
      const result = await instance.aroundTransaction(ctx, fcn, parameters);
      await instance.afterTransaction(ctx, result);
      return success(transaction.serializeResult(result));
    } catch (error) {
      return failure(error);
    }
  }

  return {
    Invoke: invoke,
    // Fabric's contract chaincode treats Init as Invoke: the proposal names the function to run.
    Init: invoke,
    isEvaluateOnly(fcn: string): boolean {
      const { binding, fcn: fn } = resolve(fcn);
      return binding?.transactions.get(fn)?.evaluateOnly ?? false;
    },
    defaultContract: defaultName,
    metadata,
  };
}
