/**
 * `loadFabricChaincode()`: unchanged Fabric Node chaincode (classes
 * extending the real fabric-contract-api `Contract`) as the `Chaincode` the
 * endorser runs, in-process, against the endorser's stub.
 */
import { serializeResult } from '../json-serializer.js';
import { ContractError } from '../errors.js';
import { routedChaincode, type ContractChaincode } from '../routed-chaincode.js';
import { bindFabricContractClass, reflectMetadata, type FabricLogSink, type FabricSerializer } from './fabric-contract-binding.js';
import { contractsOfExports, loadFabricModule } from './fabric-module.js';
import type { ObjectSchemas } from './fabric-parameters.js';

/** How to load a Fabric chaincode module. */
export interface LoadFabricChaincodeOptions {
  /** GetMetadata's title and version; default: the package's name and version (a directory), else empty. */
  readonly title?: string;
  readonly version?: string;
  /** Receives what contracts log through `ctx.logging`; default: dropped. */
  readonly log?: FabricLogSink;
}

// fabric-shim's name for fabric-contract-api's JSONSerializer; it always means the built-in one.
const BUILT_IN_SERIALIZER = 'jsonSerializer';

function invalid(message: string): ContractError {
  return new ContractError('CHAINCODE_MODULE_INVALID', message, {});
}

/** The serializer a module selects with `serializers` (fabric-shim's bootstrap rule), or undefined for the built-in one. */
function selectSerializer(selection: unknown, requireFromModule: NodeJS.Require | undefined): FabricSerializer | undefined {
  if (selection === undefined) return undefined;
  const { transaction, serializers } = (selection ?? {}) as { transaction?: unknown; serializers?: unknown };
  if (typeof transaction !== 'string') throw invalid('`serializers` must name the transaction serializer in its `transaction` property');
  if (transaction === BUILT_IN_SERIALIZER) return undefined;
  const table = (serializers ?? {}) as Record<string, unknown>;
  let implementation = Object.hasOwn(table, transaction) ? table[transaction] : undefined;
  if (typeof implementation === 'string') {
    if (!requireFromModule) throw invalid(`serializer "${transaction}" is a module name, which needs the chaincode loaded from a path`);
    implementation = requireFromModule(implementation);
  }
  if (typeof implementation !== 'function') throw invalid(`serializer "${transaction}" is not a class`);
  const serializer = new (implementation as new () => FabricSerializer)();
  if (typeof serializer.toBuffer !== 'function') throw invalid(`serializer "${transaction}" has no toBuffer`);
  return serializer;
}

/** Types registered with fabric-contract-api's `@Object()` (a process-wide registry). */
function registeredObjects(): ObjectSchemas {
  const objects = reflectMetadata()?.getMetadata('fabric:objects', globalThis);
  return objects !== null && typeof objects === 'object' ? (objects as ObjectSchemas) : {};
}

/**
 * Loads a chaincode written for Fabric's Node chaincode and returns it as a
 * Chaincode. `source` is a package directory (its package.json `main` is
 * the entry), a module file (CommonJS or ECMAScript), or a module's exports
 * already loaded (`{ contracts: [...] }`).
 * @throws ContractError CHAINCODE_MODULE_INVALID when the module cannot be loaded or exports no fabric-contract-api contracts
 * @throws ContractError CONTRACT_INVALID when contract names clash
 */
export async function loadFabricChaincode(source: string | object, options: LoadFabricChaincodeOptions = {}): Promise<ContractChaincode> {
  const loaded = typeof source === 'string'
    ? await loadFabricModule(source)
    : { exports: source, title: '', version: '', requireFromModule: undefined };
  const { contracts, serializers } = contractsOfExports(loaded.exports);
  const serializer = selectSerializer(serializers, loaded.requireFromModule);
  const objects = registeredObjects();
  const bindings = contracts.map((c) => bindFabricContractClass(c, { serializer, objects, log: options.log }, serializeResult));
  // @Default() is process-wide in fabric-contract-api; honour it only when it names a contract of this chaincode.
  const marked = reflectMetadata()?.getMetadata('fabric:default', globalThis);
  const defaultContract = typeof marked === 'string' && bindings.some((b) => b.name === marked) ? marked : undefined;
  const schemas = Object.fromEntries(Object.entries(objects).map(([name, { cnstr: _cnstr, ...schema }]) => [name, schema]));
  return routedChaincode({
    contracts: bindings,
    ...(defaultContract !== undefined ? { defaultContract } : {}),
    title: options.title ?? loaded.title,
    version: options.version ?? loaded.version,
    schemas,
  });
}
