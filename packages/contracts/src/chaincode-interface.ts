/**
 * The one seam to the endorser: Fabric's chaincode interface as
 * @alliance/endorsement declares it in its chaincode.ts (`Chaincode` with
 * Invoke, Init and isEvaluateOnly, over fabric-shim-api's `ChaincodeStub`,
 * `ClientIdentity` and `ChaincodeResponse`). The stub, identity and response
 * types are taken from fabric-shim-api directly, the very types the
 * endorsement package re-exports, so this package does not depend on the
 * endorsement package being built first; `ContractChaincode` satisfies its
 * `Chaincode` structurally. Nothing else in this package names the
 * endorser.
 */
import type { ChaincodeResponse, ChaincodeStub, ClientIdentity, Iterators, SerializedIdentity, Timestamp } from 'fabric-shim-api';

export type { ChaincodeResponse, ChaincodeStub, ClientIdentity, Iterators, SerializedIdentity, Timestamp };

/** A contract as the endorser runs it (Fabric's ChaincodeInterface, plus evaluate-only marking). */
export interface Chaincode {
  Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  Init?(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  isEvaluateOnly?(fcn: string): boolean;
}

/** Fabric's response status codes for chaincode (fabric-shim's RESPONSE_CODE): at or above ERROR_THRESHOLD a response is an error. */
export const ChaincodeStatus = {
  OK: 200,
  ERROR_THRESHOLD: 400,
  ERROR: 500,
} as const;
