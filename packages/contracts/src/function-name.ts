/**
 * Splitting a proposal's function name the way fabric-shim routes contract
 * chaincode (lib/contract-spi/chaincodefromcontract.js, _splitFunctionName):
 * the text before the first ':' names the contract, the rest is the
 * function; without ':' (or with nothing before it) the default contract is
 * meant. So `A:B:C` calls function `B:C` of contract `A`, which is never a
 * method name and ends in unknownTransaction.
 */

/** A function name split into its contract (undefined: the default) and function. */
export interface SplitFunctionName {
  readonly contract: string | undefined;
  readonly fcn: string;
}

/** Splits `Contract:Function` or `Function`. */
export function splitFunctionName(name: string): SplitFunctionName {
  const colon = name.indexOf(':');
  if (colon < 0) return { contract: undefined, fcn: name };
  const contract = name.slice(0, colon);
  // Fabric treats a blank contract name as the default contract.
  return { contract: contract.trim() === '' ? undefined : contract, fcn: name.slice(colon + 1) };
}
