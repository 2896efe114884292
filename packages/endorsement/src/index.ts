export * from './chaincode.js';
// Contract definitions in `_lifecycle` (src/lifecycle/) and the validation-time policy check (src/validation/).
export {
  LIFECYCLE_NAMESPACE, LIFECYCLE_CONTRACT_VERSION, DEFINITION_KEY_RANGE, definitionKey, approvalsKey, lifecycleKeyOf, approvalMessage,
  contractNameProblem, contractVersionProblem, sequenceProblem,
} from './core/contract-definition-rules.js';
export { VALIDATION_PARAMETER, validationParameterOf, MetadataWriteIndex } from './core/validation-parameter-updates.js';
export {
  buildDefinition, parseDefinition, approveDefinition, encodeApprovals, decodeApprovals, applicationPolicyFromString, describeApplicationPolicy,
  type DefinitionSpec, type ParsedDefinition,
} from './lifecycle/contract-definition.js';
export {
  ChannelPolicies, channelPolicies, compileApplicationPolicy, applicationOrgs, applicationMspIds, isPolicyReference,
  LIFECYCLE_ENDORSEMENT_POLICY, LIFECYCLE_ENDORSEMENT_REFERENCE, DEFAULT_LIFECYCLE_ENDORSEMENT,
} from './lifecycle/channel-policies.js';
export { tallyApprovals, describeTally, type ApprovalTally, type ApprovalInput } from './lifecycle/admin-approvals.js';
export { DefinitionReader, type ContractDefinitionInfo, type StateRead } from './lifecycle/definition-reader.js';
export { LifecycleChaincode, LifecycleFunction, type LifecycleChannel, type LifecycleChaincodeOptions } from './lifecycle/lifecycle-chaincode.js';
export { ContractValidator, contractValidator } from './validation/contract-validator.js';
export { lifecycleWritesProblem, type LifecycleWriteContext } from './validation/lifecycle-writes.js';
export { LifecycleError, type LifecycleErrorCode } from './errors.js';
// Transaction simulation (src/simulation/): the simulator, the stub contracts run on, the client identity.
export { TxSimulator, type TxSimulatorOptions, type SimulationResults, type SimulationResource } from './simulation/tx-simulator.js';
export { SimulationRangeIterator, type RangeIteratorOptions } from './simulation/range-iterator.js';
export { SimulationStub, type SimulationStubOptions, type SimulationEvent } from './simulation/simulation-stub.js';
export { StateQueryIterator, HistoryQueryIterator, asyncIterablePromise, type HistorySource } from './simulation/stub-iterators.js';
export { createCompositeKey, splitCompositeKey, partialCompositeKeyRange, COMPOSITE_KEY_NAMESPACE } from './simulation/composite-key.js';
export { X509ClientIdentity } from './simulation/client-identity.js';
export { proposalBinding } from './simulation/proposal-view.js';
export { SimulationError, type SimulationErrorCode } from './errors.js';
// The endorser.
export {
  Endorser, type EndorserOptions, type ProposalOutcome, type ContractResponse, type DefinitionInfo, type DefinitionLookup,
} from './endorser/endorser.js';
export { checkProposal, checkParsedProposal, type EndorserChannel, type CheckedProposal, type ProposalMode } from './endorser/proposal-checks.js';
export { runContract, type EndorserLedger, type ContractRun } from './endorser/run-contract.js';
export { endorserLedgerOf, endorserChannelOf, definitionsOf, peerEndorser, type PeerEndorserOptions } from './endorser/ledger-adapter.js';
export { INITIALIZED_KEY } from './endorser/run-contract.js';
export { ProposalError, type ProposalErrorCode } from './errors.js';
