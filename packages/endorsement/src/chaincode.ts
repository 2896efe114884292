/**
 * How the endorser runs a contract: Fabric's chaincode interface, over a
 * stub with exactly the surface of Fabric's `ChaincodeStub`
 * (fabric-shim-api's types), so contracts written for Fabric's Node
 * chaincode run unchanged. The contract SDK (@alliance/contracts) turns
 * `Contract` classes into a `Chaincode`.
 */
import type { ChaincodeResponse, ChaincodeStub, ClientIdentity } from 'fabric-shim-api';

export type { ChaincodeResponse, ChaincodeStub, ClientIdentity };

/** A contract as the endorser runs it (Fabric's ChaincodeInterface). */
export interface Chaincode {
  /** Runs one transaction function against the stub. Throwing is the same as answering status 500. */
  Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  /** Called instead of Invoke for a proposal marked `is_init` (definitions that require init). */
  Init?(stub: ChaincodeStub): Promise<ChaincodeResponse>;
  /**
   * Whether `fcn` only reads (an evaluate-only function): a hint for clients
   * (evaluate, do not submit). The endorser endorses a submitted call all
   * the same, as Fabric's does. Absent: every function may write.
   */
  isEvaluateOnly?(fcn: string): boolean;
}

/** Installed contracts of a peer, by name (Fabric's "installed chaincode"; definitions live on the ledger). */
export interface ChaincodeRegistry {
  get(name: string): Chaincode | undefined;
}

/** Fabric's response status codes for contracts. */
export const ChaincodeStatus = {
  OK: 200,
  ERROR_THRESHOLD: 400,
  ERROR: 500,
} as const;
