/**
 * Binding a class that extends the real fabric-contract-api `Contract`, as
 * fabric-shim's ChaincodeFromContract sees it
 * (lib/contract-spi/chaincodefromcontract.js):
 * - Transactions: when the class carries decorator metadata
 *   (`Reflect.getMetadata('fabric:transactions', instance)`, written by
 *   `@Transaction()`, `@Returns()`, `@Param()` on the prototype), exactly the
 *   functions listed there; otherwise every function on the class's own
 *   prototype (not its parents') except the constructor, names starting with
 *   `_`, and the methods of fabric-contract-api's `Contract` itself.
 * - Evaluate-only: `@Transaction(false)` tags a function `EVALUATE` instead
 *   of `SUBMIT`.
 * - Contract info: `@Info()` keeps it per class name in
 *   `Reflect.getMetadata('fabric:info', global)`.
 * - Parameters: decorated functions declare typed parameters (from
 *   TypeScript's `design:paramtypes`); an introspected function taking more
 *   than `ctx` declares `arg0..argN` strings, and one taking only `ctx` gets
 *   every argument as given.
 * - unknownTransaction's return value is dropped: the response is an empty success.
 * The metadata lives in reflect-metadata's registry on the global `Reflect`,
 * which fabric-contract-api installs when it is loaded; we only read it.
 */
import { EVALUATE_TAGS, stringParameters, SUBMIT_TAGS, type ParameterMetadata, type TransactionMetadata } from '../chaincode-metadata.js';
import { PROTOTYPE_DEPTH_MAX, TRANSACTIONS_PER_CONTRACT_MAX } from '../constants.js';
import { ContractError } from '../errors.js';
import type { ContextLike, ContractBinding, ContractInstance, TransactionBinding } from '../routed-chaincode.js';
import { decodeFabricParameters, type ObjectSchemas } from './fabric-parameters.js';

/** How a loaded chaincode turns results into bytes and arguments into values (fabric-contract-api's serializer interface). */
export interface FabricSerializer {
  toBuffer(result: unknown, schema?: unknown, loggerPrefix?: string): Uint8Array | undefined;
  fromBuffer?(data: Buffer, fullSchema: unknown, loggerPrefix?: string): { value: unknown };
}

/** Receives what a Fabric contract logs through `ctx.logging`. */
export type FabricLogSink = (level: string, logger: string, args: readonly unknown[]) => void;

/** What binding a Fabric class needs besides the class. */
export interface FabricBindingOptions {
  /** Undefined: the built-in JSON serializer. */
  readonly serializer: FabricSerializer | undefined;
  readonly objects: ObjectSchemas;
  readonly log: FabricLogSink | undefined;
}

interface ReflectMetadata {
  getMetadata(key: string, target: object): unknown;
}

/** reflect-metadata's reader, when some module installed it on the global Reflect. */
export function reflectMetadata(): ReflectMetadata | undefined {
  const candidate = Reflect as unknown as Partial<ReflectMetadata>;
  return typeof candidate.getMetadata === 'function' ? (candidate as ReflectMetadata) : undefined;
}

const EMPTY = Buffer.alloc(0);
const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

function invalid(message: string, details: Record<string, unknown>, cause?: unknown): ContractError {
  return new ContractError('CHAINCODE_MODULE_INVALID', message, details, cause === undefined ? undefined : { cause });
}

/** Names defined by fabric-contract-api's Contract itself: the root class of the instance's prototype chain. */
function baseContractNames(instance: object): Set<string> {
  let proto: object | null = Object.getPrototypeOf(instance) as object | null;
  for (let depth = 0; proto !== null && depth < PROTOTYPE_DEPTH_MAX; depth++) {
    const parent = Object.getPrototypeOf(proto) as object | null;
    if (parent === Object.prototype) return new Set(Object.getOwnPropertyNames(proto));
    proto = parent;
  }
  throw invalid('a contract class has a prototype chain too deep to be a fabric-contract-api Contract', {});
}

function introspectedTransactions(instance: object): TransactionMetadata[] {
  const skip = baseContractNames(instance);
  const proto = Object.getPrototypeOf(instance) as object;
  const found: TransactionMetadata[] = [];
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || name.startsWith('_') || skip.has(name)) continue;
    const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
    if (typeof value !== 'function') continue;
    const count = value.length - 1;
    found.push({ name, tag: SUBMIT_TAGS, ...(count > 0 ? { parameters: stringParameters(count) } : {}) });
  }
  return found;
}

function decoratedTransactions(instance: object): TransactionMetadata[] | undefined {
  const listed = reflectMetadata()?.getMetadata('fabric:transactions', instance);
  if (!Array.isArray(listed) || listed.length === 0) return undefined;
  return listed.map((entry: unknown) => {
    const t = entry as { name?: unknown; tag?: unknown; tags?: unknown; parameters?: unknown; returns?: unknown };
    if (typeof t.name !== 'string') throw invalid('decorator metadata lists a transaction without a name', {});
    const tag = Array.isArray(t.tag) ? (t.tag as string[]) : Array.isArray(t.tags) ? (t.tags as string[]) : undefined;
    return {
      name: t.name,
      ...(tag ? { tag } : {}),
      ...(Array.isArray(t.parameters) ? { parameters: t.parameters as ParameterMetadata[] } : {}),
      ...(t.returns !== null && typeof t.returns === 'object' ? { returns: t.returns as Record<string, unknown> } : {}),
    };
  });
}

function loggingFor(contract: string, log: FabricLogSink | undefined): unknown {
  const logger = (name: string) => Object.fromEntries(LOG_LEVELS.map((level) => [level, (...args: unknown[]) => log?.(level, name, args)]));
  return { setLevel: () => undefined, getLogger: (name?: string) => logger(name ? `${contract}:${name}` : contract) };
}

function serializeWith(serializer: FabricSerializer | undefined, fallback: (result: unknown) => Uint8Array) {
  if (!serializer) return fallback;
  return (result: unknown): Uint8Array => serializer.toBuffer(result, {}) ?? EMPTY;
}

function decoderWith(where: { contract: string; fcn: string }, t: TransactionMetadata, options: FabricBindingOptions) {
  const { serializer, objects } = options;
  if (!serializer?.fromBuffer || !t.parameters) return (args: readonly string[]) => decodeFabricParameters(where, t.parameters, args, objects);
  const fromBuffer = serializer.fromBuffer.bind(serializer);
  const parameters = t.parameters;
  return (args: readonly string[]): unknown[] => {
    decodeFabricParameters(where, parameters.map((p) => ({ ...p, schema: { type: 'string' } })), args, objects);
    return parameters.map((p, i) => fromBuffer(Buffer.from(args[i]!, 'utf8'), { properties: { prop: p.schema }, components: { schemas: objects } }).value);
  };
}

/**
 * The binding of one class from a Fabric chaincode module.
 * @throws ContractError CHAINCODE_MODULE_INVALID when it is not a class, its constructor throws, it does not extend fabric-contract-api's Contract, or it has too many functions
 */
export function bindFabricContractClass(contractClass: unknown, options: FabricBindingOptions, fallbackSerialize: (r: unknown) => Uint8Array): ContractBinding {
  if (typeof contractClass !== 'function') throw invalid(`the chaincode exports ${String(contractClass)} as a contract, which is not a class`, {});
  const ctor = contractClass as new () => ContractInstance & { getName(): unknown; __isContract?: unknown };
  let probe: InstanceType<typeof ctor>;
  try {
    probe = new ctor();
  } catch (cause) {
    throw invalid(`constructing ${ctor.name} failed: ${(cause as Error).message}`, { contract: ctor.name }, cause);
  }
  // fabric-contract-api's Contract._isContract: the marker survives two copies of the package.
  if (probe === null || typeof probe !== 'object' || !probe.__isContract || typeof probe.getName !== 'function') {
    throw invalid(`${ctor.name} does not extend Contract from fabric-contract-api`, { contract: ctor.name });
  }
  const name = probe.getName();
  if (typeof name !== 'string' || name === '') throw invalid(`${ctor.name} has no contract name`, { contract: ctor.name });
  const listed = decoratedTransactions(probe) ?? introspectedTransactions(probe);
  if (listed.length > TRANSACTIONS_PER_CONTRACT_MAX) {
    throw invalid(`contract "${name}" has more than ${TRANSACTIONS_PER_CONTRACT_MAX} functions`, { contract: name, max: TRANSACTIONS_PER_CONTRACT_MAX });
  }
  const serialize = serializeWith(options.serializer, fallbackSerialize);
  const transactions = new Map<string, TransactionBinding>();
  for (const t of listed) {
    const tags = t.tag ?? [];
    transactions.set(t.name, {
      name: t.name,
      evaluateOnly: EVALUATE_TAGS.every((tag) => tags.includes(tag)) && !tags.includes(SUBMIT_TAGS[0]!),
      metadata: t,
      decodeArguments: decoderWith({ contract: name, fcn: t.name }, t, options),
      serializeResult: serialize,
    });
  }
  const infoByClass = reflectMetadata()?.getMetadata('fabric:info', globalThis) as Record<string, Record<string, unknown>> | undefined;
  const info = infoByClass && Object.hasOwn(infoByClass, ctor.name) ? { ...infoByClass[ctor.name] } : { title: '', version: '' };
  return {
    name,
    transactions,
    info,
    instantiate: () => new ctor(),
    unknownTransactionPayload: () => EMPTY,
    prepareContext(ctx: ContextLike) {
      (ctx as ContextLike & { logging?: unknown }).logging = loggingFor(name, options.log);
    },
  };
}
