/**
 * Failures of a testbed call, following the protocol's phases as
 * fabric-gateway's errors do (EndorseError, SubmitError, CommitError): each
 * carries the transaction id and the facts in `details`.
 */
import { AllianceError } from '@alliance/protocol';

/** Every code a TestbedError can carry. */
export type TestbedErrorCode =
  // endorsement: the proposal was refused, or the endorsers disagree
  | 'ENDORSEMENT_REFUSED'
  | 'ENDORSEMENTS_DIFFER'
  // evaluation (a query on one peer) failed
  | 'EVALUATION_FAILED'
  // the transaction was committed with a validation code other than VALID
  | 'INVALID'
  // using the testbed: an unknown org, a bad option, a call after close, a setup step that failed
  | 'ORG_UNKNOWN'
  | 'OPTIONS_INVALID'
  | 'SETUP_FAILED'
  | 'CLOSED';

/** What one endorser answered when it did not endorse. */
export interface EndorserRefusal {
  /** The endorsing peer's MSP id. */
  readonly endorser: string;
  /** The contract's status, or 500 when the endorser refused the proposal before running it. */
  readonly status: number;
  readonly message: string;
  /** The endorser's ProposalError code when it refused the proposal itself (e.g. CONTRACT_NOT_DEFINED, PROPOSAL_MALFORMED). */
  readonly proposalError?: string;
}

/** Endorsers whose ProposalResponsePayloads are byte-identical. */
export interface EndorsementGroup {
  readonly endorsers: readonly string[];
  /** SHA-256 of the group's ProposalResponsePayload, hex. */
  readonly payloadHash: string;
}

/** A testbed failure with a stable `code`; `details.txId` names the transaction when there is one. */
export class TestbedError extends AllianceError<TestbedErrorCode> {}
