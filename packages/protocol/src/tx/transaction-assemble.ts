/**
 * Turning a proposal and its endorsements into a transaction, as Fabric's
 * protoutil.CreateSignedTx does: every response successful (200 <= status < 400)
 * and byte-identical in payload, endorsements de-duplicated by endorser,
 * Payload{header = the proposal's header, data = Transaction{one
 * TransactionAction{header = the proposal's signature header bytes, payload =
 * ChaincodeActionPayload{the proposal payload without TransientMap,
 * ChaincodeEndorsedAction{payload, endorsements}}}}}.
 */
import { common, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import type { SigningIdentity } from '../msp/types.js';
import { bytesEqual } from './bytes.js';
import { signEnvelope } from './envelope.js';
import type { ParsedProposal } from './proposal-parse.js';

/** A ProposalResponse as received, decoded (a protos.ProposalResponse or a ParsedProposalResponse). */
export interface EndorsedResponse {
  readonly payload: Uint8Array;
  readonly response?: { readonly status?: number | null; readonly message?: string | null } | null;
  readonly endorsement?: protos.IEndorsement | null;
}

const STATUS_OK_MIN = 200;
const STATUS_ERROR_MIN = 400;

/**
 * Assembles the encoded common.Payload of a transaction, ready for the creator's signature.
 * @throws DecodeError MISSING_FIELD (no responses or no endorsements), RESPONSE_NOT_SUCCESSFUL, RESPONSE_MISMATCH
 */
export function assembleTransaction(proposal: ParsedProposal, responses: readonly EndorsedResponse[]): Uint8Array {
  const { txId } = proposal;
  const first = responses[0];
  if (!first) throw new DecodeError('MISSING_FIELD', 'at least one proposal response is required', { txId, field: 'responses' });
  responses.forEach((r, index) => {
    const status = r.response?.status ?? 0;
    if (status < STATUS_OK_MIN || status >= STATUS_ERROR_MIN) {
      throw new DecodeError('RESPONSE_NOT_SUCCESSFUL', `proposal response ${index} has status ${status}`, {
        txId, index, status, responseMessage: r.response?.message ?? '',
      });
    }
    if (!bytesEqual(r.payload, first.payload)) {
      throw new DecodeError('RESPONSE_MISMATCH', `proposal response ${index} differs from response 0`, { txId, index });
    }
  });

  const seen = new Set<string>();
  const endorsements: protos.IEndorsement[] = [];
  for (const r of responses) {
    if (!r.endorsement) continue;
    const key = Buffer.from(r.endorsement.endorser ?? new Uint8Array(0)).toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    endorsements.push(r.endorsement);
  }
  if (endorsements.length === 0) throw new DecodeError('MISSING_FIELD', 'no proposal response is endorsed', { txId, field: 'endorsement' });

  const actionPayload = protos.ChaincodeActionPayload.encode({
    chaincodeProposalPayload: proposal.payloadForTransaction,
    action: { proposalResponsePayload: first.payload, endorsements },
  }).finish();
  const transaction = protos.Transaction.encode({
    actions: [{ header: proposal.signatureHeaderBytes, payload: actionPayload }],
  }).finish();
  return common.Payload.encode({
    header: { channelHeader: proposal.channelHeaderBytes, signatureHeader: proposal.signatureHeaderBytes },
    data: transaction,
  }).finish();
}

/**
 * Assembles and signs a transaction envelope (CreateSignedTx in one call).
 * @throws DecodeError CREATOR_MISMATCH when the signer is not the proposal's creator; as assembleTransaction
 */
export function createSignedTransaction(proposal: ParsedProposal, responses: readonly EndorsedResponse[], signer: SigningIdentity): Uint8Array {
  if (!bytesEqual(signer.serialized, proposal.creatorBytes)) {
    throw new DecodeError('CREATOR_MISMATCH', 'the signer must be the creator named in the proposal', { txId: proposal.txId });
  }
  return signEnvelope(assembleTransaction(proposal, responses), signer);
}
