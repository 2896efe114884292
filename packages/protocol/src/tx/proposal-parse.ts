/**
 * Reading a signed proposal the way Fabric's endorser unpacks and checks it
 * (core/endorser/msgvalidation.go UnpackProposal + Validate, minus the
 * identity checks that need an MSP): every layer decoded once, the bytes of
 * every layer that is signed or hashed kept as received.
 */
import { common, gateway, msp, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { MESSAGE_BYTES_MAX } from '../constants.js';
import { longToBigInt, timestampToMs } from '../long.js';
import { decodeMessage, nested } from './decode.js';
import { decodeHeader, type DecodedHeader } from './header.js';
import { proposalPayloadForTransaction, transactionProposalHash } from './proposal-hash.js';
import { computeTxId } from './tx-id.js';

/** A proposal after every structural check an endorser makes before it looks at identities. */
export interface ParsedProposal extends DecodedHeader {
  readonly txId: string;
  readonly channelId: string;
  /** From the channel header's ChaincodeHeaderExtension: the contract the client invokes. */
  readonly chaincodeName: string;
  readonly timestampMs: number;
  readonly nonce: Uint8Array;
  /** The creator's encoded msp.SerializedIdentity, as the txId and signatures cover it. */
  readonly creatorBytes: Uint8Array;
  readonly creator: msp.SerializedIdentity;
  /** The encoded protos.Proposal: the bytes the signature covers. */
  readonly proposalBytes: Uint8Array;
  /** Empty only for an unsigned gateway ProposedTransaction. */
  readonly signature: Uint8Array;
  /** Proposal.payload as sent: an encoded ChaincodeProposalPayload, TransientMap included. */
  readonly payloadBytes: Uint8Array;
  readonly chaincodeSpec: protos.ChaincodeSpec;
  /** ChaincodeInput.args: the function name, then its arguments. */
  readonly args: readonly Uint8Array[];
  readonly transientMap: ReadonlyMap<string, Uint8Array>;
  /** The payload without its TransientMap, as the transaction will carry it. */
  readonly payloadForTransaction: Uint8Array;
  /** Fabric's GetProposalHash1, which every endorsement must carry. */
  readonly proposalHash: Uint8Array;
}

/** A gateway.ProposedTransaction: what fabric-gateway's Proposal.getBytes() returns. */
export interface ParsedProposedTransaction {
  readonly transactionId: string;
  readonly endorsingOrganizations: readonly string[];
  readonly proposal: ParsedProposal;
}

/**
 * Parses an encoded protos.SignedProposal and checks its structure and txId.
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, MISSING_FIELD, WRONG_HEADER_TYPE, INVALID_FIELD, TXID_MISMATCH,
 *   INTEGER_OUT_OF_RANGE (a timestamp beyond safe milliseconds)
 */
export function parseSignedProposal(bytes: Uint8Array, bytesMax: number = MESSAGE_BYTES_MAX): ParsedProposal {
  const signed = decodeMessage(protos.SignedProposal, bytes, 'protos.SignedProposal', bytesMax);
  return parseSignedProposalParts(signed.proposalBytes, signed.signature, bytesMax);
}

/**
 * As parseSignedProposal, for a SignedProposal that arrived decoded inside another
 * message (a gateway EndorseRequest or EvaluateRequest).
 * @throws DecodeError as parseSignedProposal
 */
export function parseSignedProposalParts(proposalBytes: Uint8Array, signature: Uint8Array, bytesMax: number = MESSAGE_BYTES_MAX): ParsedProposal {
  if (signature.length === 0) throw new DecodeError('MISSING_FIELD', 'the proposal is not signed', { field: 'signature' });
  return parseProposal(proposalBytes, signature, bytesMax);
}

/**
 * Parses an encoded gateway.ProposedTransaction (signed or not) and checks that its
 * transaction_id is the proposal's txId.
 * @throws DecodeError as parseSignedProposal
 */
export function parseProposedTransaction(bytes: Uint8Array, bytesMax: number = MESSAGE_BYTES_MAX): ParsedProposedTransaction {
  const proposed = decodeMessage(gateway.ProposedTransaction, bytes, 'gateway.ProposedTransaction', bytesMax);
  const signed = nested(protos.SignedProposal, proposed.proposal);
  if (!signed) throw new DecodeError('MISSING_FIELD', 'the proposed transaction has no proposal', { field: 'proposal' });
  const proposal = parseProposal(signed.proposalBytes, signed.signature, bytesMax);
  if (proposed.transactionId !== proposal.txId) {
    throw new DecodeError('TXID_MISMATCH', 'transaction_id differs from the proposal txId', {
      txId: proposal.txId, transactionId: proposed.transactionId,
    });
  }
  return { transactionId: proposed.transactionId, endorsingOrganizations: proposed.endorsingOrganizations, proposal };
}

function missing(field: string, what: string): DecodeError {
  return new DecodeError('MISSING_FIELD', `${what} is missing`, { field });
}

function parseProposal(proposalBytes: Uint8Array, signature: Uint8Array, bytesMax: number): ParsedProposal {
  if (proposalBytes.length === 0) throw missing('proposal_bytes', 'the proposal');
  const proposal = decodeMessage(protos.Proposal, proposalBytes, 'protos.Proposal', bytesMax);
  const header = decodeMessage(common.Header, proposal.header, 'common.Header', bytesMax);
  const headers = decodeHeader(header, bytesMax, {});
  const { channelHeader, signatureHeader } = headers;

  const extension = decodeMessage(protos.ChaincodeHeaderExtension, channelHeader.extension, 'protos.ChaincodeHeaderExtension', bytesMax);
  const chaincodeName = nested(protos.ChaincodeID, extension.chaincodeId)?.name ?? '';
  if (chaincodeName === '') throw missing('extension.chaincode_id.name', 'the chaincode name of the header extension');

  const payload = decodeMessage(protos.ChaincodeProposalPayload, proposal.payload, 'protos.ChaincodeProposalPayload', bytesMax);
  const invocation = decodeMessage(protos.ChaincodeInvocationSpec, payload.input, 'protos.ChaincodeInvocationSpec', bytesMax);
  const chaincodeSpec = nested(protos.ChaincodeSpec, invocation.chaincodeSpec);
  if (!chaincodeSpec) throw missing('input.chaincode_spec', 'the chaincode spec');
  const input = nested(protos.ChaincodeInput, chaincodeSpec.input);
  if (!input) throw missing('input.chaincode_spec.input', 'the chaincode input');

  // Fabric's endorser also admits CONFIG here, then finds no contract to run; we refuse it up front.
  if (channelHeader.type !== common.HeaderType.ENDORSER_TRANSACTION) {
    throw new DecodeError('WRONG_HEADER_TYPE', `a proposal must be ENDORSER_TRANSACTION, not type ${channelHeader.type}`, {
      type: channelHeader.type,
    });
  }
  if (longToBigInt(channelHeader.epoch) !== 0n) {
    throw new DecodeError('INVALID_FIELD', 'epoch must be 0', { field: 'epoch', epoch: channelHeader.epoch.toString() });
  }
  if (signatureHeader.nonce.length === 0) throw missing('nonce', 'the nonce');
  if (signatureHeader.creator.length === 0) throw missing('creator', 'the creator');
  const expectedTxId = computeTxId(signatureHeader.nonce, signatureHeader.creator);
  if (channelHeader.txId !== expectedTxId) {
    throw new DecodeError('TXID_MISMATCH', 'txId is not SHA-256(nonce || creator)', { txId: channelHeader.txId, expected: expectedTxId });
  }
  const creator = decodeMessage(msp.SerializedIdentity, signatureHeader.creator, 'msp.SerializedIdentity', bytesMax);

  const payloadForTransaction = proposalPayloadForTransaction(payload);
  return {
    channelHeaderBytes: headers.channelHeaderBytes,
    channelHeader,
    signatureHeaderBytes: headers.signatureHeaderBytes,
    signatureHeader,
    txId: channelHeader.txId,
    channelId: channelHeader.channelId,
    chaincodeName,
    timestampMs: timestampToMs(channelHeader.timestamp),
    nonce: signatureHeader.nonce,
    creatorBytes: signatureHeader.creator,
    creator,
    proposalBytes,
    signature,
    payloadBytes: proposal.payload,
    chaincodeSpec,
    args: input.args,
    transientMap: transientMapOf(payload),
    payloadForTransaction,
    // GetProposalHash1 is GetProposalHash2 over the payload stripped of its TransientMap
    proposalHash: transactionProposalHash(headers.channelHeaderBytes, headers.signatureHeaderBytes, payloadForTransaction),
  };
}

function transientMapOf(payload: protos.ChaincodeProposalPayload): ReadonlyMap<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(payload.TransientMap)) {
    // protobufjs leaves a plain [] for a map entry that has no value field
    map.set(key, value instanceof Uint8Array ? value : new Uint8Array(0));
  }
  return map;
}
