/**
 * The transaction context: what a transaction function may touch. A fresh
 * context is made for every invocation, so nothing a function leaves on it
 * reaches the next transaction.
 */
import type { ChaincodeStub, ClientIdentity } from './chaincode-interface.js';

/**
 * The context handed to every transaction function as its first argument,
 * with fabric-contract-api's shape: `stub` reads and writes the world state
 * of this transaction's simulation, `clientIdentity` is who signed the
 * proposal. Subclass it and return the subclass from
 * `Contract.createContext()` to add helpers; the constructor runs before the
 * stub is attached, so it must not use either.
 */
export class Context {
  /** The transaction's view of the ledger. Set before any hook or function runs. */
  stub!: ChaincodeStub;
  /** The proposal's creator. Set before any hook or function runs. */
  clientIdentity!: ClientIdentity;

  /** Attaches the stub; the runtime calls it, contract code never should. */
  setChaincodeStub(stub: ChaincodeStub): void {
    this.stub = stub;
  }

  /** Attaches the client identity; the runtime calls it, contract code never should. */
  setClientIdentity(clientIdentity: ClientIdentity): void {
    this.clientIdentity = clientIdentity;
  }
}
