/**
 * What testbed calls take and give back. Arguments travel as a proposal
 * carries them: strings (sent as UTF-8) or raw bytes.
 */

/** One argument of a transaction function. */
export type TransactionArgument = string | Uint8Array;

/** Per-call choices, as fabric-gateway's ProposalOptions. */
export interface CallOptions {
  /** MSP ids of the orgs whose peers endorse (or, for evaluate, whose peer answers: the first). Default: the testbed's endorsers. */
  readonly endorsers?: readonly string[];
  /** Private inputs for the endorsers (`stub.getTransient()`); never written to the ledger. */
  readonly transient?: Readonly<Record<string, TransactionArgument>>;
}

/** A contract event as a committed block holds it (only VALID transactions emit). */
export interface TestbedEvent {
  readonly blockNum: number;
  readonly txId: string;
  /** The contract that set the event (the invoked one). */
  readonly contract: string;
  readonly name: string;
  readonly payload: Uint8Array;
  /** The payload as UTF-8 text. */
  readonly text: string;
}

/** A transaction endorsed by every endorser asked, signed by its creator, not yet committed. */
export interface PendingTransaction {
  readonly txId: string;
  /** The proposal's timestamp (what `stub.getTxTimestamp()` gave the contract). */
  readonly timestampMs: number;
  readonly contract: string;
  readonly fcn: string;
  /** The contract's response payload (identical on every endorser). */
  readonly payload: Uint8Array;
  readonly text: string;
  /** MSP ids of the endorsers whose endorsements the transaction carries. */
  readonly endorsers: readonly string[];
  /** The signed common.Envelope, as it goes to ordering. */
  readonly envelope: Uint8Array;
}

/** A committed transaction: its validation code is a value, never an exception. */
export interface TransactionResult extends PendingTransaction {
  readonly blockNum: number;
  /** Fabric's TxValidationCode. */
  readonly code: number;
  /** The code's name: 'VALID', 'MVCC_READ_CONFLICT', 'ENDORSEMENT_POLICY_FAILURE', ... */
  readonly codeName: string;
  /** Why the transaction is invalid ('' when VALID), as the ledger recorded it. */
  readonly reason: string;
  /** The transaction's contract events (at most one, and none unless VALID). */
  readonly events: readonly TestbedEvent[];
}

/** What a query answered. */
export interface EvaluateResult {
  readonly txId: string;
  /** The MSP id of the peer that answered. */
  readonly endorser: string;
  readonly payload: Uint8Array;
  readonly text: string;
}
