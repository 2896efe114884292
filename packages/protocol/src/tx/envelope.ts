/**
 * Envelopes of any header type: the light parse (header and data only) that
 * the orderer's ingress, Deliver and config handling need, and building a
 * signed envelope as protoutil.CreateSignedEnvelopeWithTLSBinding does.
 * The creator's signature covers exactly `payloadBytes`.
 */
import { common, protos } from '../messages.js';
import { ENVELOPE_BYTES_MAX } from '../constants.js';
import type { SigningIdentity } from '../msp/types.js';
import type { SignedData } from '../policy/index.js';
import { decodeMessage } from './decode.js';
import { decodeHeader, encodeChannelHeader, encodeSignatureHeader, type DecodedHeader } from './header.js';
import { newNonce } from './tx-id.js';

const { TxValidationCode } = protos;

/** An envelope with its payload and both headers decoded; `data` left for the caller. */
export interface ParsedEnvelope extends DecodedHeader {
  readonly envelopeBytes: Uint8Array;
  /** The encoded common.Payload: the bytes the creator signed. */
  readonly payloadBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** Payload.data, still encoded; what it is depends on the header type. */
  readonly data: Uint8Array;
  /** A common.HeaderType. */
  readonly type: number;
  readonly channelId: string;
  readonly txId: string;
}

/**
 * Decodes an envelope, its payload and both headers. Errors carry the
 * protos.TxValidationCode a committer records (as Fabric's v20 validator does):
 * an envelope that does not decode is INVALID_OTHER_REASON, a payload
 * BAD_PAYLOAD, a missing or undecodable header BAD_COMMON_HEADER.
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, MISSING_FIELD
 */
export function parseEnvelope(bytes: Uint8Array, bytesMax: number = ENVELOPE_BYTES_MAX): ParsedEnvelope {
  const envelope = decodeMessage(common.Envelope, bytes, 'common.Envelope', bytesMax, { txValidationCode: TxValidationCode.INVALID_OTHER_REASON });
  const payload = decodeMessage(common.Payload, envelope.payload, 'common.Payload', bytesMax, { txValidationCode: TxValidationCode.BAD_PAYLOAD });
  const headers = decodeHeader(payload.header, bytesMax, { txValidationCode: TxValidationCode.BAD_COMMON_HEADER });
  // Fields are listed, not spread: V8 copies a spread object several times slower.
  return {
    channelHeaderBytes: headers.channelHeaderBytes,
    channelHeader: headers.channelHeader,
    signatureHeaderBytes: headers.signatureHeaderBytes,
    signatureHeader: headers.signatureHeader,
    envelopeBytes: bytes,
    payloadBytes: envelope.payload,
    signature: envelope.signature,
    data: payload.data,
    type: headers.channelHeader.type,
    channelId: headers.channelHeader.channelId,
    txId: headers.channelHeader.txId,
  };
}

/** What a non-endorser envelope (config update, Deliver seek, ...) carries. */
export interface EnvelopeSpec {
  /** A common.HeaderType. */
  readonly type: number;
  readonly channelId: string;
  /** The encoded message of that type (e.g. an orderer.SeekInfo). */
  readonly data: Uint8Array;
  /** Without a signer the signature header and signature stay empty, as in a genesis block. */
  readonly signer?: SigningIdentity;
  readonly txId?: string;
  /** Unix ms; defaults to now. */
  readonly timestampMs?: number;
  readonly version?: number;
  readonly tlsCertHash?: Uint8Array;
}

/**
 * Builds and signs an envelope (a fresh nonce per envelope, epoch 0).
 * @throws RangeError when `timestampMs` is not a safe integer
 */
export function buildSignedEnvelope(spec: EnvelopeSpec): Uint8Array {
  const channelHeader = encodeChannelHeader({
    type: spec.type,
    channelId: spec.channelId,
    ...(spec.txId === undefined ? {} : { txId: spec.txId }),
    ...(spec.timestampMs === undefined ? {} : { timestampMs: spec.timestampMs }),
    ...(spec.version === undefined ? {} : { version: spec.version }),
    ...(spec.tlsCertHash === undefined ? {} : { tlsCertHash: spec.tlsCertHash }),
  });
  const signatureHeader = spec.signer ? encodeSignatureHeader(spec.signer.serialized, newNonce()) : new Uint8Array(0);
  const payload = common.Payload.encode({ header: { channelHeader, signatureHeader }, data: spec.data }).finish();
  if (!spec.signer) return common.Envelope.encode({ payload }).finish();
  return signEnvelope(payload, spec.signer);
}

/** Signs an encoded common.Payload into an encoded common.Envelope. */
export function signEnvelope(payloadBytes: Uint8Array, signer: SigningIdentity): Uint8Array {
  return common.Envelope.encode({ payload: payloadBytes, signature: signer.sign(payloadBytes) }).finish();
}

/** The creator's signature over the payload, for a policy check (Fabric's EnvelopeAsSignedData). */
export function envelopeSignedData(envelope: ParsedEnvelope): SignedData {
  return { identity: envelope.signatureHeader.creator, data: envelope.payloadBytes, signature: envelope.signature };
}
