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
  return checkParsedProposal(decodeProposal(bytes), channel, mode, nowMs, skewMs);
}

/** As checkProposal, for a proposal already decoded (e.g. out of a gateway request). */
export function checkParsedProposal(proposal: ParsedProposal, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): CheckedProposal {
  const creator = checkCreator(proposal, channel, nowMs);
  try {
    creator.verify(proposal.proposalBytes, proposal.signature);
  } catch (err) {
    throw signatureRefusal(proposal.txId, err);
  }
  checkAfterSignature(proposal, creator, channel, mode, nowMs, skewMs);
  return { proposal, creator };
}

/** A proposal that passed every check but its signature, which the caller verifies (in a worker) before using it. */
export interface UnverifiedProposal extends CheckedProposal {
  /** The refusal a later check found: to be thrown once the signature verified, so refusals keep checkProposal's order. */
  readonly refusal: ProposalError | undefined;
}

/**
 * checkProposal without the signature verify: the creator's signature over
 * `proposal.proposalBytes` is left to the caller, who must throw
 * `signatureRefusal` when it fails and then `refusal` when set.
 * @throws ProposalError PROPOSAL_MALFORMED, WRONG_CHANNEL, CREATOR_INVALID, SIGNATURE_INVALID (unsigned)
 */
export function checkProposalUnverified(bytes: Uint8Array, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): UnverifiedProposal {
  return checkParsedProposalUnverified(decodeProposal(bytes), channel, mode, nowMs, skewMs);
}

/** As checkProposalUnverified, for a proposal already decoded. */
export function checkParsedProposalUnverified(proposal: ParsedProposal, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): UnverifiedProposal {
  const creator = checkCreator(proposal, channel, nowMs);
  let refusal: ProposalError | undefined;
  try {
    checkAfterSignature(proposal, creator, channel, mode, nowMs, skewMs);
  } catch (err) {
    if (!(err instanceof ProposalError)) throw err;
    refusal = err;
  }
  return { proposal, creator, refusal };
}

/**
 * The refusal for a creator's signature that did not verify.
 * @returns ProposalError SIGNATURE_INVALID for a SignatureError; anything else as it is (a bug)
 */
export function signatureRefusal(txId: string, err: unknown): unknown {
  if (err instanceof SignatureError) return new ProposalError('SIGNATURE_INVALID', `the creator's signature does not verify: ${err.message}`, { txId }, { cause: err });
  return err;
}

function decodeProposal(bytes: Uint8Array): ParsedProposal {
  try {
    return parseSignedProposal(bytes, PROPOSAL_BYTES_MAX);
  } catch (err) {
    if (err instanceof DecodeError) throw new ProposalError('PROPOSAL_MALFORMED', `malformed proposal: ${err.message}`, { ...err.details }, { cause: err });
    throw err;
  }
}

// The checks before the signature: channel, creator, and a signature to verify.
function checkCreator(proposal: ParsedProposal, channel: EndorserChannel, nowMs: number): Identity {
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
  return creator;
}

// The checks after the signature: timestamp window, then the channel's Writers (Readers) policy.
function checkAfterSignature(proposal: ParsedProposal, creator: Identity, channel: EndorserChannel, mode: ProposalMode, nowMs: number, skewMs: number): void {
  const { txId } = proposal;
  if (Math.abs(proposal.timestampMs - nowMs) > skewMs) {
    throw new ProposalError('TIMESTAMP_OUT_OF_WINDOW', `the proposal's timestamp is more than ${skewMs} ms from the endorser's clock`, {
      txId, timestampMs: proposal.timestampMs, nowMs,
    });
  }
  const policyName = mode === 'endorse' ? 'Writers' : 'Readers';
  const policy = mode === 'endorse' ? channel.writers : channel.readers;
  // The signature is verified first: evaluate over the identity, not the signed data again.
  if (!policy || !policy.evaluateIdentities([creator], { deserializer: channel.deserializer, atMs: nowMs })) {
    throw new ProposalError('ACCESS_DENIED', `the creator does not satisfy the channel's ${policyName} policy`, { txId, policy: policyName, mspId: creator.mspId });
  }
}
