/**
 * Bounds of the contract SDK, named and in one place; relations asserted at
 * load. They guard the endorser's process against one proposal's input and
 * against a contract class that is not what it claims to be.
 */
import { limits } from '@alliance/protocol';

/** Arguments after the function name in one invocation. */
export const TRANSACTION_ARGUMENTS_MAX = 1024;
/** Bytes of all arguments of one invocation together, the function name included. */
export const TRANSACTION_ARGUMENT_BYTES_MAX = limits.ENVELOPE_BYTES_MAX;
/** Characters of the function name (`Contract:Function`). */
export const FUNCTION_NAME_CHARS_MAX = 512;
/** Bytes of one serialized transaction result. */
export const RESULT_BYTES_MAX = limits.ENVELOPE_BYTES_MAX;

/** Contract classes in one chaincode, the system contract excluded. */
export const CONTRACTS_PER_CHAINCODE_MAX = 64;
/** Transaction functions in one contract. */
export const TRANSACTIONS_PER_CONTRACT_MAX = 1024;
/** Prototypes walked from a contract class up to `Contract` (a deeper chain is not a contract). */
export const PROTOTYPE_DEPTH_MAX = 32;

/** Nesting of parameter schemas (arrays of arrays of objects...) followed when decoding a Fabric argument. */
export const PARAMETER_SCHEMA_DEPTH_MAX = 32;

/** Client identities kept parsed (by MSP id and certificate); the oldest entry is evicted first. */
export const CLIENT_IDENTITY_CACHE_ENTRIES_MAX = 1024;
/** Directories walked up from a chaincode file looking for its package.json. */
export const PACKAGE_JSON_SEARCH_DEPTH_MAX = 64;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

check(TRANSACTION_ARGUMENT_BYTES_MAX <= limits.ENVELOPE_BYTES_MAX, 'the arguments fit in one transaction envelope');
check(TRANSACTION_ARGUMENTS_MAX > 0 && TRANSACTIONS_PER_CONTRACT_MAX > 0 && CONTRACTS_PER_CHAINCODE_MAX > 0, 'every count bound admits one');
check(FUNCTION_NAME_CHARS_MAX * 4 <= TRANSACTION_ARGUMENT_BYTES_MAX, 'the longest function name fits in the argument bytes');
check(CLIENT_IDENTITY_CACHE_ENTRIES_MAX > 0, 'the identity cache holds at least one entry');
