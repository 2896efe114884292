/**
 * An endorser's answer (protoutil.CreateProposalResponse and the endorser's
 * ProcessProposal): ProposalResponsePayload{proposal_hash, extension =
 * ChaincodeAction{results, events, response, chaincode_id}}, signed by the
 * endorser over (payload bytes || endorser identity bytes) and sent as
 * ProposalResponse{version 1, response, payload, endorsement}. Every endorser
 * of one transaction must produce byte-identical payloads.
 */
import { protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { MESSAGE_BYTES_MAX } from '../constants.js';
import type { SigningIdentity } from '../msp/types.js';
import type { SignedData } from '../policy/index.js';
import { concatBytes } from './bytes.js';
import { decodeMessage, nested } from './decode.js';

/** A contract's reply: HTTP-like status (>= 400 is an error), message, payload. */
export interface ResponseSpec {
  readonly status: number;
  readonly message?: string;
  readonly payload?: Uint8Array;
}

/** What a simulation produced, bound to the proposal it answers. */
export interface ChaincodeActionSpec {
  /** GetProposalHash1 of the proposal. */
  readonly proposalHash: Uint8Array;
  /** An encoded rwset.TxReadWriteSet. */
  readonly results: Uint8Array;
  /** An encoded protos.ChaincodeEvent; empty or absent when the contract set none. */
  readonly events?: Uint8Array;
  readonly response: ResponseSpec;
  /** The contract's name and the version of its definition. */
  readonly chaincodeId: { readonly name: string; readonly version: string };
}

/** A ProposalResponse with its payload layers decoded (when it has a payload). */
export interface ParsedProposalResponse {
  readonly version: number;
  readonly response: protos.Response;
  /** The encoded ProposalResponsePayload the endorsement signs; empty when the endorser sent none. */
  readonly payload: Uint8Array;
  readonly proposalResponsePayload: protos.ProposalResponsePayload | undefined;
  readonly chaincodeAction: protos.ChaincodeAction | undefined;
  readonly endorsement: protos.Endorsement | undefined;
}

function responseOf(spec: ResponseSpec): protos.IResponse {
  return { status: spec.status, message: spec.message ?? '', payload: spec.payload ?? new Uint8Array(0) };
}

/** Encodes the ProposalResponsePayload an endorser signs. */
export function buildProposalResponsePayload(spec: ChaincodeActionSpec): Uint8Array {
  const extension = protos.ChaincodeAction.encode({
    results: spec.results,
    events: spec.events ?? new Uint8Array(0),
    response: responseOf(spec.response),
    chaincodeId: { name: spec.chaincodeId.name, version: spec.chaincodeId.version },
  }).finish();
  return protos.ProposalResponsePayload.encode({ proposalHash: spec.proposalHash, extension }).finish();
}

/** Encodes a protos.ChaincodeEvent. */
export function encodeChaincodeEvent(event: { chaincodeId: string; txId: string; eventName: string; payload?: Uint8Array }): Uint8Array {
  return protos.ChaincodeEvent.encode({ ...event, payload: event.payload ?? new Uint8Array(0) }).finish();
}

/**
 * Signs a ProposalResponsePayload as `endorser` and encodes the endorsed
 * ProposalResponse (version 1, as Fabric's endorser sends it).
 */
export function endorseProposalResponse(proposalResponsePayload: Uint8Array, response: ResponseSpec, endorser: SigningIdentity): Uint8Array {
  const signature = endorser.sign(concatBytes(proposalResponsePayload, endorser.serialized));
  return buildProposalResponse({
    version: 1,
    response,
    payload: proposalResponsePayload,
    endorsement: { endorser: endorser.serialized, signature },
  });
}

/** Encodes a ProposalResponse as given: unendorsed answers (contract errors) leave out the endorsement, and version is 0 there as in Fabric. */
export function buildProposalResponse(parts: {
  version?: number;
  response: ResponseSpec;
  payload?: Uint8Array;
  endorsement?: { endorser: Uint8Array; signature: Uint8Array };
}): Uint8Array {
  return protos.ProposalResponse.encode({
    version: parts.version ?? 0,
    response: responseOf(parts.response),
    payload: parts.payload ?? new Uint8Array(0),
    ...(parts.endorsement ? { endorsement: parts.endorsement } : {}),
  }).finish();
}

/**
 * Parses an encoded protos.ProposalResponse and, when it carries a payload,
 * its ProposalResponsePayload and ChaincodeAction.
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, MISSING_FIELD (no response)
 */
export function parseProposalResponse(bytes: Uint8Array, bytesMax: number = MESSAGE_BYTES_MAX): ParsedProposalResponse {
  const message = decodeMessage(protos.ProposalResponse, bytes, 'protos.ProposalResponse', bytesMax);
  const response = nested(protos.Response, message.response);
  if (!response) throw new DecodeError('MISSING_FIELD', 'the proposal response has no response', { field: 'response' });
  let proposalResponsePayload: protos.ProposalResponsePayload | undefined;
  let chaincodeAction: protos.ChaincodeAction | undefined;
  if (message.payload.length > 0) {
    proposalResponsePayload = decodeMessage(protos.ProposalResponsePayload, message.payload, 'protos.ProposalResponsePayload', bytesMax);
    chaincodeAction = decodeMessage(protos.ChaincodeAction, proposalResponsePayload.extension, 'protos.ChaincodeAction', bytesMax);
  }
  return {
    version: message.version,
    response,
    payload: message.payload,
    proposalResponsePayload,
    chaincodeAction,
    endorsement: nested(protos.Endorsement, message.endorsement),
  };
}

/** The signed data of one endorsement, for a policy check: the endorser signs (payload || endorser). */
export function endorsementSignedData(proposalResponsePayload: Uint8Array, endorsement: protos.IEndorsement): SignedData {
  const endorser = endorsement.endorser ?? new Uint8Array(0);
  return {
    identity: endorser,
    data: concatBytes(proposalResponsePayload, endorser),
    signature: endorsement.signature ?? new Uint8Array(0),
  };
}
