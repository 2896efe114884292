/**
 * The endorser's checks of a signed proposal before any contract runs, in
 * Fabric's order (core/endorser: UnpackProposal, Validate, ACL, duplicate):
 * well-formed (type ENDORSER_TRANSACTION, txId = SHA-256(nonce ‖ creator)),
 * this channel, creator a valid identity of a channel MSP at the endorser's
 * time, creator's signature, timestamp within the skew window, the channel's
 * Writers policy (Readers for evaluate), not already on the ledger.
 */
import {
  DecodeError, IdentityError, SignatureError, parseSignedProposal,
  type Identity, type IdentityDeserializer, type ParsedProposal, type Policy,
} from '@alliance/protocol';
import { ProposalError } from '../errors.js';
import { PROPOSAL_BYTES_MAX } from '../constants.js';

/** The channel as the endorser sees it at one moment. */
export interface EndorserChannel {
  readonly channelId: string;
  readonly deserializer: IdentityDeserializer;
  /** Who may submit (endorse); undefined when the channel defines no Writers policy: nobody. */
  readonly writers: Policy | undefined;
  /** Who may evaluate (query); undefined: nobody. */
  readonly readers: Policy | undefined;
}

/** A proposal that passed every check, with its creator. */
export interface CheckedProposal {
  readonly proposal: ParsedProposal;
  readonly creator: Identity;
}

export type ProposalMode = 'endorse' | 'evaluate';

/**
 * Decodes and checks a SignedProposal (everything but the duplicate check,
 * which needs the ledger).
 * @throws ProposalError PROPOSAL_MALFORMED, WRONG_CHANNEL, CREATOR_INVALID, SIGNATURE_INVALID, TIMESTAMP_OUT_OF_WINDOW, ACCESS_DENIED
 */
export function checkProposal(bytes: Uint8Array, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): CheckedProposal {
  let proposal: ParsedProposal;
  try {
    proposal = parseSignedProposal(bytes, PROPOSAL_BYTES_MAX);
  } catch (err) {
    if (err instanceof DecodeError) throw new ProposalError('PROPOSAL_MALFORMED', `malformed proposal: ${err.message}`, { ...err.details }, { cause: err });
    throw err;
  }
  return checkParsedProposal(proposal, channel, mode, nowMs, skewMs);
}

/** As checkProposal, for a proposal already decoded (e.g. out of a gateway request). */
export function checkParsedProposal(proposal: ParsedProposal, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): CheckedProposal {
  const { txId } = proposal;
  if (proposal.channelId !== channel.channelId) {
    throw new ProposalError('WRONG_CHANNEL', `proposal for channel ${JSON.stringify(proposal.channelId)} sent to channel ${channel.channelId}`, { txId, channelId: proposal.channelId });
  }
  let creator: Identity;
  try {
    creator = channel.deserializer.deserialize(proposal.creatorBytes);
    channel.deserializer.validate(creator, nowMs);
  } catch (err) {
    if (err instanceof IdentityError) {
      throw new ProposalError('CREATOR_INVALID', `the creator is not a valid identity of this channel: ${err.message}`, { txId, reason: err.code }, { cause: err });
    }
    throw err;
  }
  if (proposal.signature.length === 0) throw new ProposalError('SIGNATURE_INVALID', 'the proposal is not signed', { txId });
  try {
    creator.verify(proposal.proposalBytes, proposal.signature);
  } catch (err) {
    if (err instanceof SignatureError) throw new ProposalError('SIGNATURE_INVALID', `the creator's signature does not verify: ${err.message}`, { txId }, { cause: err });
    throw err;
  }
  if (Math.abs(proposal.timestampMs - nowMs) > skewMs) {
    throw new ProposalError('TIMESTAMP_OUT_OF_WINDOW', `the proposal's timestamp is more than ${skewMs} ms from the endorser's clock`, {
      txId, timestampMs: proposal.timestampMs, nowMs,
    });
  }
  const policyName = mode === 'endorse' ? 'Writers' : 'Readers';
  const policy = mode === 'endorse' ? channel.writers : channel.readers;
  // The signature is verified above: evaluate over the identity, not the signed data again.
  if (!policy || !policy.evaluateIdentities([creator], { deserializer: channel.deserializer, atMs: nowMs })) {
    throw new ProposalError('ACCESS_DENIED', `the creator does not satisfy the channel's ${policyName} policy`, { txId, policy: policyName, mspId: creator.mspId });
  }
  return { proposal, creator };
}
