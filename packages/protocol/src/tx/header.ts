/**
 * The two headers every signed message carries, kept as the exact bytes they
 * arrived in: proposal hashes, txIds and signatures are computed over those
 * bytes, never over a re-encoding.
 */
import { common } from '../messages.js';
import { DecodeError } from '../errors.js';
import { timestampFromMs } from '../long.js';
import { decodeMessage } from './decode.js';

/** What a channel header says; epoch is always 0, as Fabric requires. */
export interface ChannelHeaderSpec {
  /** A common.HeaderType. */
  readonly type: number;
  readonly channelId: string;
  readonly txId?: string;
  /** Unix ms; defaults to now. */
  readonly timestampMs?: number;
  readonly version?: number;
  readonly extension?: Uint8Array;
  readonly tlsCertHash?: Uint8Array;
}

/**
 * Encodes a common.ChannelHeader.
 * @throws RangeError when `timestampMs` is not a safe integer
 */
export function encodeChannelHeader(spec: ChannelHeaderSpec): Uint8Array {
  return common.ChannelHeader.encode({
    type: spec.type,
    version: spec.version ?? 0,
    timestamp: timestampFromMs(spec.timestampMs ?? Date.now()),
    channelId: spec.channelId,
    txId: spec.txId ?? '',
    extension: spec.extension ?? new Uint8Array(0),
    tlsCertHash: spec.tlsCertHash ?? new Uint8Array(0),
  }).finish();
}

/** Encodes a common.SignatureHeader. */
export function encodeSignatureHeader(creator: Uint8Array, nonce: Uint8Array): Uint8Array {
  return common.SignatureHeader.encode({ creator, nonce }).finish();
}

/** Both headers of a common.Header, decoded, with the bytes they were decoded from. */
export interface DecodedHeader {
  readonly channelHeaderBytes: Uint8Array;
  readonly channelHeader: common.ChannelHeader;
  readonly signatureHeaderBytes: Uint8Array;
  readonly signatureHeader: common.SignatureHeader;
}

/**
 * Decodes the channel and signature headers of a common.Header.
 * @throws DecodeError MISSING_FIELD when the header is absent, MALFORMED_MESSAGE when either part does not decode
 */
export function decodeHeader(
  header: common.IHeader | null | undefined,
  bytesMax: number,
  details: Readonly<Record<string, unknown>>,
): DecodedHeader {
  if (!header) throw new DecodeError('MISSING_FIELD', 'common.Header is missing', { ...details, field: 'header' });
  const channelHeaderBytes = header.channelHeader ?? new Uint8Array(0);
  const signatureHeaderBytes = header.signatureHeader ?? new Uint8Array(0);
  const channelHeader = decodeMessage(common.ChannelHeader, channelHeaderBytes, 'common.ChannelHeader', bytesMax, details);
  const signatureHeader = decodeMessage(common.SignatureHeader, signatureHeaderBytes, 'common.SignatureHeader', bytesMax, details);
  return { channelHeaderBytes, channelHeader, signatureHeaderBytes, signatureHeader };
}
