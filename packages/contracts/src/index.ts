/**
 * @alliance/contracts: the contract developer SDK. Write contracts with
 * fabric-contract-api's shape (`Contract`, `Context`), turn them into the
 * endorser's `Chaincode` with `contractChaincode()`, or run unchanged Fabric
 * Node chaincode with `loadFabricChaincode()`.
 */
export { Contract, evaluateOnly, type ContractClass, type MethodNames } from './contract.js';
export { Context } from './context.js';
export { contractChaincode, type ContractChaincodeOptions } from './contract-chaincode.js';
export type { ContractChaincode } from './routed-chaincode.js';
export { CreatorClientIdentity, nodeClientId } from './client-identity.js';
export { serializeResult } from './json-serializer.js';
export { splitFunctionName, type SplitFunctionName } from './function-name.js';
export type { ChaincodeStubWithBufferArgs } from './transaction-arguments.js';
export {
  SYSTEM_CONTRACT_NAME, CONTRACT_METADATA_SCHEMA,
  type ChaincodeMetadata, type ContractMetadata, type TransactionMetadata, type ParameterMetadata,
} from './chaincode-metadata.js';
export { ContractError, type ContractErrorCode } from './errors.js';
export * as limits from './constants.js';
export { loadFabricChaincode, type LoadFabricChaincodeOptions } from './fabric/load-fabric-chaincode.js';
export type { FabricLogSink, FabricSerializer } from './fabric/fabric-contract-binding.js';
