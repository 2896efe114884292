/**
 * What a testbed installs: the contracts under test, given as native
 * contract classes, an array of them, a ready Chaincode (for example from
 * `loadFabricChaincode`), or several of those by name (for contracts that
 * call each other). Every peer gets its own Chaincode built from classes,
 * as every real peer runs its own copy of the contract.
 */
import { contractNameProblem } from '@alliance/endorsement';
import type { Chaincode } from '../chaincode-interface.js';
import { contractChaincode } from '../contract-chaincode.js';
import type { ContractClass } from '../contract.js';
import { TESTBED_CONTRACTS_MAX } from './constants.js';
import { TestbedError } from './testbed-error.js';

/** One contract under test. */
export type TestbedContract = ContractClass | readonly ContractClass[] | Chaincode;
/** The contracts under test: one (named by the `name` option), or several by name; the first is the default. */
export type TestbedContracts = TestbedContract | { readonly [name: string]: TestbedContract };

/** A contract to define on the channel and install on every peer. */
export interface InstallableContract {
  readonly name: string;
  /** A Chaincode for one peer. */
  install(): Chaincode;
}

function isChaincode(value: unknown): value is Chaincode {
  return value !== null && typeof value === 'object' && typeof (value as Partial<Chaincode>).Invoke === 'function';
}

function isOne(value: unknown): value is TestbedContract {
  return typeof value === 'function' || Array.isArray(value) || isChaincode(value);
}

function installable(name: string, contract: TestbedContract): InstallableContract {
  const problem = contractNameProblem(name);
  if (problem) throw new TestbedError('OPTIONS_INVALID', `contract name: ${problem}`, { name });
  if (isChaincode(contract)) return { name, install: () => contract };
  const classes: readonly ContractClass[] = Array.isArray(contract) ? contract : [contract as ContractClass];
  // Built once here so a bad class fails at setup (ContractError CONTRACT_INVALID), then once per peer.
  contractChaincode(...classes);
  return { name, install: () => contractChaincode(...classes) };
}

/**
 * The contracts to install, the default first.
 * @throws TestbedError OPTIONS_INVALID for a bad name, none, or too many; ContractError CONTRACT_INVALID for a bad class
 */
export function installableContracts(contracts: TestbedContracts, defaultName: string): InstallableContract[] {
  if (isOne(contracts)) return [installable(defaultName, contracts)];
  if (contracts === null || typeof contracts !== 'object') {
    throw new TestbedError('OPTIONS_INVALID', 'a testbed takes a contract class, an array of classes, a Chaincode, or an object of those by name', {});
  }
  const entries = Object.entries(contracts);
  if (entries.length === 0) throw new TestbedError('OPTIONS_INVALID', 'no contract to test', {});
  if (entries.length > TESTBED_CONTRACTS_MAX) {
    throw new TestbedError('OPTIONS_INVALID', `${entries.length} contracts, more than the ${TESTBED_CONTRACTS_MAX} a testbed defines`, {
      count: entries.length, max: TESTBED_CONTRACTS_MAX,
    });
  }
  return entries.map(([name, contract]) => {
    if (!isOne(contract)) throw new TestbedError('OPTIONS_INVALID', `contract "${name}" is not a contract class, an array of classes or a Chaincode`, { name });
    return installable(name, contract);
  });
}
