/**
 * The proposal hash: what binds an endorsement to the proposal it answers.
 * The endorser hashes the channel header bytes, the signature header bytes
 * and the ChaincodeProposalPayload re-encoded without its TransientMap
 * (protoutil.GetProposalHash1); those re-encoded bytes are what the
 * transaction carries, and the committer hashes them as they are
 * (GetProposalHash2). So transient data never reaches the ledger, yet the
 * hash still covers everything that does.
 */
import { protos } from '../messages.js';
import { sha256 } from '../crypto/hash.js';
import { decodeMessage } from './decode.js';

/**
 * The ChaincodeProposalPayload that goes into a transaction: a new message
 * holding only `input` (unknown fields and TransientMap dropped, as Fabric's
 * GetBytesProposalPayloadForTx builds it).
 */
export function proposalPayloadForTransaction(payload: protos.IChaincodeProposalPayload): Uint8Array {
  return protos.ChaincodeProposalPayload.encode({ input: payload.input ?? new Uint8Array(0) }).finish();
}

/**
 * Fabric's GetProposalHash1: the hash an endorser puts in its ProposalResponsePayload.
 * @throws DecodeError MALFORMED_MESSAGE when the payload is not a ChaincodeProposalPayload
 */
export function proposalHash(channelHeaderBytes: Uint8Array, signatureHeaderBytes: Uint8Array, chaincodeProposalPayloadBytes: Uint8Array): Uint8Array {
  const payload = decodeMessage(protos.ChaincodeProposalPayload, chaincodeProposalPayloadBytes, 'protos.ChaincodeProposalPayload');
  return sha256(channelHeaderBytes, signatureHeaderBytes, proposalPayloadForTransaction(payload));
}

/** Fabric's GetProposalHash2: the hash a committer recomputes from a transaction's bytes as they are. */
export function transactionProposalHash(channelHeaderBytes: Uint8Array, signatureHeaderBytes: Uint8Array, payloadForTransaction: Uint8Array): Uint8Array {
  return sha256(channelHeaderBytes, signatureHeaderBytes, payloadForTransaction);
}
