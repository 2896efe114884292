/**
 * Operating errors of the contract SDK: one class, stable codes, the facts in
 * `details`. While a transaction runs, every error (ours or the contract's)
 * becomes a response with status 500 and the error's message: the endorser
 * never sees an exception from a contract. Errors thrown while a chaincode is
 * being built (a bad class, a module that is not chaincode) reach the caller.
 */
import { AllianceError } from '@alliance/protocol';

/** Every code a ContractError can carry. */
export type ContractErrorCode =
  // building a chaincode from classes or from a Fabric module
  | 'CONTRACT_INVALID'
  | 'CHAINCODE_MODULE_INVALID'
  // routing an invocation
  | 'CONTRACT_NOT_FOUND'
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_NAME_INVALID'
  // arguments and results
  | 'ARGUMENT_COUNT_MISMATCH'
  | 'ARGUMENT_INVALID'
  | 'ARGUMENTS_TOO_LARGE'
  | 'RESULT_NOT_SERIALIZABLE'
  | 'RESULT_TOO_LARGE';

/** A contract SDK failure with a stable `code`. */
export class ContractError extends AllianceError<ContractErrorCode> {}
