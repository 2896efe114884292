/**
 * Building and signing a client's proposal, field for field as fabric-gateway
 * 1.11 builds it (and protoutil.CreateChaincodeProposalWithTxIDNonceAndTransient):
 * ChannelHeader{ENDORSER_TRANSACTION, tx_id, timestamp, channel_id, epoch 0,
 * extension = ChaincodeHeaderExtension{chaincode_id{name}}}; SignatureHeader{creator,
 * nonce}; payload ChaincodeProposalPayload{input = ChaincodeInvocationSpec{
 * ChaincodeSpec{type NODE, chaincode_id{name}, input{args}}}, TransientMap}.
 * ChaincodeID carries the name only: the peer resolves the version from the
 * contract definition.
 */
import { common, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import type { SigningIdentity } from '../msp/types.js';
import { bytesEqual } from './bytes.js';
import { encodeChannelHeader, encodeSignatureHeader } from './header.js';
import { computeTxId, newNonce } from './tx-id.js';

/** What a client asks a contract to do. */
export interface ProposalSpec {
  readonly channelId: string;
  readonly chaincodeName: string;
  /** ChaincodeInput.args[0]. */
  readonly functionName: string;
  readonly args?: readonly (Uint8Array | string)[];
  /** Private inputs for the endorsers; hashed out of the proposal hash and never written to the ledger. */
  readonly transientData?: Readonly<Record<string, Uint8Array | string>>;
  /** The client's encoded msp.SerializedIdentity. */
  readonly creator: Uint8Array;
  /** Defaults to a fresh 24-byte nonce. */
  readonly nonce?: Uint8Array;
  /** Unix ms of the channel header timestamp; defaults to now. */
  readonly timestampMs?: number;
}

/** A proposal ready for its creator's signature. */
export interface UnsignedProposal {
  readonly txId: string;
  readonly channelId: string;
  readonly nonce: Uint8Array;
  readonly creator: Uint8Array;
  /** The encoded protos.Proposal: exactly the bytes the creator signs. */
  readonly proposalBytes: Uint8Array;
}

/** A signed proposal: its parts and its encoding. */
export interface SignedProposalParts {
  readonly txId: string;
  readonly proposalBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** The encoded protos.SignedProposal. */
  readonly signedProposalBytes: Uint8Array;
}

const utf8 = new TextEncoder();

function asBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? utf8.encode(value) : value;
}

/**
 * Builds an unsigned chaincode proposal; its txId is hex(SHA-256(nonce || creator)).
 * @throws RangeError when `timestampMs` is not a safe integer
 */
export function buildProposal(spec: ProposalSpec): UnsignedProposal {
  const nonce = spec.nonce ?? newNonce();
  const txId = computeTxId(nonce, spec.creator);
  const chaincodeId = { name: spec.chaincodeName };
  const extension = protos.ChaincodeHeaderExtension.encode({ chaincodeId }).finish();
  const channelHeader = encodeChannelHeader({
    type: common.HeaderType.ENDORSER_TRANSACTION,
    channelId: spec.channelId,
    txId,
    extension,
    ...(spec.timestampMs === undefined ? {} : { timestampMs: spec.timestampMs }),
  });
  const signatureHeader = encodeSignatureHeader(spec.creator, nonce);
  const input = protos.ChaincodeInvocationSpec.encode({
    chaincodeSpec: {
      type: protos.ChaincodeSpec.Type.NODE,
      chaincodeId,
      input: { args: [spec.functionName, ...(spec.args ?? [])].map(asBytes) },
    },
  }).finish();
  const transientMap: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(spec.transientData ?? {})) transientMap[key] = asBytes(value);
  const payload = protos.ChaincodeProposalPayload.encode({ input, TransientMap: transientMap }).finish();
  const header = common.Header.encode({ channelHeader, signatureHeader }).finish();
  const proposalBytes = protos.Proposal.encode({ header, payload }).finish();
  return { txId, channelId: spec.channelId, nonce, creator: spec.creator, proposalBytes };
}

/**
 * Signs a proposal into a protos.SignedProposal.
 * @throws DecodeError CREATOR_MISMATCH when the signer is not the proposal's creator
 */
export function signProposal(proposal: UnsignedProposal, signer: SigningIdentity): SignedProposalParts {
  if (!bytesEqual(signer.serialized, proposal.creator)) {
    throw new DecodeError('CREATOR_MISMATCH', 'the signer is not the creator named in the proposal', {
      txId: proposal.txId, signer: signer.mspId,
    });
  }
  const signature = signer.sign(proposal.proposalBytes);
  const signedProposalBytes = protos.SignedProposal.encode({ proposalBytes: proposal.proposalBytes, signature }).finish();
  return { txId: proposal.txId, proposalBytes: proposal.proposalBytes, signature, signedProposalBytes };
}
