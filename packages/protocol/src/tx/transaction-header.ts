/**
 * Fabric's validateCommonHeader for a transaction envelope, plus reading the
 * creator: the checks a committer makes before it verifies the creator's
 * signature (core/common/validation/msgvalidation.go).
 */
import { common, msp, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { longToBigInt } from '../long.js';
import { decodeMessage } from './decode.js';
import type { ParsedEnvelope } from './envelope.js';

const { TxValidationCode } = protos;
const ADMITTED_TYPES: ReadonlySet<number> = new Set([
  common.HeaderType.ENDORSER_TRANSACTION, common.HeaderType.CONFIG_UPDATE, common.HeaderType.CONFIG,
]);

/** An envelope whose headers pass Fabric's rules, with its creator decoded. */
export interface TransactionHeader {
  readonly envelope: ParsedEnvelope;
  readonly creator: msp.SerializedIdentity;
}

/**
 * Checks the common header as Fabric does (type ENDORSER_TRANSACTION,
 * CONFIG_UPDATE or CONFIG; epoch 0; nonce and creator present: else
 * BAD_COMMON_HEADER) and decodes the creator (else BAD_CREATOR_SIGNATURE, as
 * Fabric's deserializer fails there).
 * @throws DecodeError with `details.txValidationCode`
 */
export function checkTransactionHeader(envelope: ParsedEnvelope): TransactionHeader {
  const { channelHeader, signatureHeader, txId } = envelope;
  const code = TxValidationCode.BAD_COMMON_HEADER;
  if (!ADMITTED_TYPES.has(channelHeader.type)) {
    throw new DecodeError('WRONG_HEADER_TYPE', `header type ${channelHeader.type} is not a transaction`, {
      txId, type: channelHeader.type, txValidationCode: code,
    });
  }
  if (longToBigInt(channelHeader.epoch) !== 0n) {
    throw new DecodeError('INVALID_FIELD', 'epoch must be 0', { txId, field: 'epoch', epoch: channelHeader.epoch.toString(), txValidationCode: code });
  }
  if (signatureHeader.nonce.length === 0) {
    throw new DecodeError('MISSING_FIELD', 'the signature header has no nonce', { txId, field: 'nonce', txValidationCode: code });
  }
  if (signatureHeader.creator.length === 0) {
    throw new DecodeError('MISSING_FIELD', 'the signature header has no creator', { txId, field: 'creator', txValidationCode: code });
  }
  const creator = decodeMessage(msp.SerializedIdentity, signatureHeader.creator, 'msp.SerializedIdentity', undefined, {
    txId, txValidationCode: TxValidationCode.BAD_CREATOR_SIGNATURE,
  });
  return { envelope, creator };
}
