/**
 * `contractChaincode()`: native contract classes to the `Chaincode` the
 * endorser runs.
 */
import { bindContractClass } from './contract-catalog.js';
import type { ContractClass } from './contract.js';
import { ContractError } from './errors.js';
import { routedChaincode, type ContractChaincode } from './routed-chaincode.js';

/** Contracts and the chaincode's descriptive info. */
export interface ContractChaincodeOptions {
  /** The contracts; the first is the default one (called by a bare function name). */
  readonly contracts: readonly ContractClass[];
  /** Shown in GetMetadata's `info`. */
  readonly title?: string;
  readonly version?: string;
}

/**
 * A chaincode made of native contracts, routed as Fabric routes contract
 * chaincode: `Contract:Function`, or `Function` for the first contract;
 * `org.hyperledger.fabric:GetMetadata` describes it.
 * @throws ContractError CONTRACT_INVALID when a class is not a contract, names clash, or an evaluate-only name is unknown
 */
export function contractChaincode(...contracts: ContractClass[]): ContractChaincode;
export function contractChaincode(options: ContractChaincodeOptions): ContractChaincode;
export function contractChaincode(...input: (ContractClass | ContractChaincodeOptions)[]): ContractChaincode {
  const first = input[0];
  const options: ContractChaincodeOptions = input.length === 1 && first !== undefined && typeof first === 'object'
    ? first
    : { contracts: input as ContractClass[] };
  if (!Array.isArray(options.contracts)) {
    throw new ContractError('CONTRACT_INVALID', 'contractChaincode takes contract classes or { contracts: [...] }', {});
  }
  return routedChaincode({
    contracts: options.contracts.map(bindContractClass),
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
  });
}
