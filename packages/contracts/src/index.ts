/**
 * @alliance/contracts: the contract developer SDK. Write contracts with
 * fabric-contract-api's shape (`Contract`, `Context`), turn them into the
 * endorser's `Chaincode` with `contractChaincode()`, or run unchanged Fabric
 * Node chaincode with `loadFabricChaincode()`; test either on a whole
 * channel in one process with `contractTestbed()`.
 */
export { Contract, evaluateOnly, type ContractClass, type MethodNames } from './contract.js';
export { Context } from './context.js';
export { contractChaincode, type ContractChaincodeOptions } from './contract-chaincode.js';
export type { ContractChaincode } from './routed-chaincode.js';
export type { Chaincode } from './chaincode-interface.js';
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
// The contract testbed: a whole channel in one process, nothing mocked (src/testbed/).
export {
  contractTestbed, majorityOfPeers, Testbed, type TestbedOptions, type ContractDefinitionOptions, type TestbedRole, type IdentityOptions,
} from './testbed/contract-testbed.js';
export { TestbedClient } from './testbed/testbed-client.js';
export type { TestbedContract, TestbedContracts } from './testbed/testbed-contracts.js';
export { TestbedError, type TestbedErrorCode, type EndorserRefusal, type EndorsementGroup } from './testbed/testbed-error.js';
export { compareEndorsements, type EndorsementComparison, type SignedPayload } from './testbed/endorsement-comparison.js';
export { validationCodeName } from './testbed/testbed-network.js';
export type {
  CallOptions, TransactionResult, EvaluateResult, PendingTransaction, TestbedEvent, TransactionArgument,
} from './testbed/testbed-types.js';
export * as testbedLimits from './testbed/constants.js';
// Example contracts (src/examples/).
export { AssetTransferContract, type Asset, type AssetTransferred } from './examples/asset-transfer.js';
