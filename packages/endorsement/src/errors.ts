/**
 * Endorsement operating errors: one class per area, stable codes, the facts
 * in `details`. A contract's failure is not an error here: it is a response
 * with status >= 400, without endorsement.
 */
import { AllianceError } from '@alliance/protocol';

/** Why the endorser refused a proposal before (or instead of) running a contract. */
export type ProposalErrorCode =
  | 'PROPOSAL_MALFORMED'
  | 'WRONG_CHANNEL'
  | 'CREATOR_INVALID'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_OUT_OF_WINDOW'
  | 'ACCESS_DENIED'
  | 'DUPLICATE_TRANSACTION'
  | 'CONTRACT_NOT_DEFINED'
  | 'CONTRACT_NOT_INSTALLED'
  | 'ENDORSER_BUSY'
  | 'ENDORSER_CLOSED';

export class ProposalError extends AllianceError<ProposalErrorCode> {}

/** Why a contract definition, its approvals or its policy cannot be used. */
export type LifecycleErrorCode =
  | 'DEFINITION_INVALID'
  | 'DEFINITION_MALFORMED'
  | 'APPROVALS_MALFORMED'
  | 'POLICY_INVALID'
  | 'POLICY_UNRESOLVED';

/**
 * A definition that breaks the lifecycle's rules (DEFINITION_INVALID), bytes
 * that are not a definition or an approval list (DEFINITION_MALFORMED,
 * APPROVALS_MALFORMED), a policy that does not parse (POLICY_INVALID) or a
 * channel policy reference the channel configuration cannot resolve
 * (POLICY_UNRESOLVED). At validation these never escape: they become
 * ENDORSEMENT_POLICY_FAILURE with the message as the reason.
 */
export class LifecycleError extends AllianceError<LifecycleErrorCode> {}

/**
 * Why a simulation refused a contract's call: input Fabric's stub or
 * simulator refuses, a bound of one simulation (src/constants.ts), or a
 * Fabric feature Alliance does not offer. The contract sees it thrown from
 * the stub; uncaught, it fails the proposal (status 500, no endorsement).
 */
export type SimulationErrorCode =
  | 'NAMESPACE_INVALID'
  | 'KEY_INVALID'
  | 'KEY_TOO_LARGE'
  | 'VALUE_INVALID'
  | 'VALUE_TOO_LARGE'
  | 'COMPOSITE_KEY_INVALID'
  | 'UTF8_INVALID'
  | 'ARGUMENT_INVALID'
  | 'READS_LIMIT'
  | 'WRITES_LIMIT'
  | 'WRITE_BYTES_LIMIT'
  | 'ITERATORS_LIMIT'
  | 'QUERY_RESULTS_LIMIT'
  | 'RWSET_TOO_LARGE'
  | 'EVENT_INVALID'
  | 'EVENT_TOO_LARGE'
  | 'PAGINATED_QUERY_AFTER_WRITE'
  | 'WRITE_AFTER_PAGINATED_QUERY'
  | 'HISTORY_UNAVAILABLE'
  | 'PEER_MSP_UNSET'
  | 'NOT_SUPPORTED'
  | 'SIMULATION_DONE';

export class SimulationError extends AllianceError<SimulationErrorCode> {}
