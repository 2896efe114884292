/**
 * Reading an endorser transaction for the committer, every layer decoded once
 * and every signed or hashed layer kept as received. Each failure is a
 * DecodeError whose `details.txValidationCode` is the protos.TxValidationCode
 * Fabric 2.5 records for it (core/common/validation/msgvalidation.go, then
 * core/committer/txvalidator/v20/plugindispatcher/dispatcher.go).
 *
 * Ordering rule: Fabric checks the creator's signature after the header and
 * before the txId, and duplicate txIds before the header extension. A
 * committer that must record Fabric's code for a transaction with several
 * defects runs the steps itself: parseEnvelope, checkTransactionHeader,
 * [creator signature: BAD_CREATOR_SIGNATURE], parseEndorserTransaction,
 * [channel: TARGET_CHAIN_NOT_FOUND; duplicate txId: DUPLICATE_TXID],
 * parseTransactionAction. With one defect the order makes no difference.
 */
import { common, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { ENVELOPE_BYTES_MAX } from '../constants.js';
import type { SignedData } from '../policy/index.js';
import { bytesEqual } from './bytes.js';
import { decodeMessage, nested, nestedList } from './decode.js';
import { parseEnvelope } from './envelope.js';
import { transactionProposalHash } from './proposal-hash.js';
import { endorsementSignedData } from './proposal-response.js';
import { computeTxId } from './tx-id.js';
import { checkTransactionHeader, type TransactionHeader } from './transaction-header.js';
import { parseTransactionAction, type ParsedTransaction } from './transaction-action.js';

const { TxValidationCode } = protos;

/** An endorser transaction after Fabric's ValidateTransaction checks (all but the signature). */
export interface EndorserTransaction extends TransactionHeader {
  readonly txId: string;
  readonly channelId: string;
  /** TransactionAction.header: the proposal's encoded SignatureHeader, hashed into the proposal hash. */
  readonly actionHeaderBytes: Uint8Array;
  readonly actionSignatureHeader: common.SignatureHeader;
  /** ChaincodeActionPayload.chaincode_proposal_payload as carried: hashed as is. */
  readonly proposalPayloadBytes: Uint8Array;
  readonly proposalPayload: protos.ChaincodeProposalPayload;
  /** ChaincodeEndorsedAction.proposal_response_payload: what every endorser signed. */
  readonly proposalResponsePayloadBytes: Uint8Array;
  readonly proposalResponsePayload: protos.ProposalResponsePayload;
  readonly endorsements: readonly protos.Endorsement[];
  /** GetProposalHash2 of the transaction, equal to the endorsed proposal_hash. */
  readonly proposalHash: Uint8Array;
}

/**
 * Parses and checks an endorser transaction envelope completely (the steps
 * below in one call).
 * @throws DecodeError with `details.txValidationCode`
 */
export function parseTransactionEnvelope(bytes: Uint8Array, bytesMax: number = ENVELOPE_BYTES_MAX): ParsedTransaction {
  return parseTransactionAction(parseEndorserTransaction(checkTransactionHeader(parseEnvelope(bytes, bytesMax))));
}

function fail(code: DecodeError['code'], message: string, txValidationCode: number, details: Record<string, unknown>): DecodeError {
  return new DecodeError(code, message, { ...details, txValidationCode });
}

/**
 * Fabric's checks of an endorser transaction after the creator's signature:
 * the txId (BAD_PROPOSAL_TXID), then one action, its signature header, its
 * payloads and the proposal hash (INVALID_ENDORSER_TRANSACTION). A CONFIG or
 * CONFIG_UPDATE envelope is refused with UNSUPPORTED_TX_PAYLOAD: route
 * envelopes by type before calling this.
 * @throws DecodeError with `details.txValidationCode`
 */
export function parseEndorserTransaction(header: TransactionHeader): EndorserTransaction {
  const { envelope } = header;
  const { txId, signatureHeader } = envelope;
  if (envelope.type !== common.HeaderType.ENDORSER_TRANSACTION) {
    throw fail('WRONG_HEADER_TYPE', `not an endorser transaction: type ${envelope.type}`, TxValidationCode.UNSUPPORTED_TX_PAYLOAD, { txId, type: envelope.type });
  }
  const expectedTxId = computeTxId(signatureHeader.nonce, signatureHeader.creator);
  if (txId !== expectedTxId) {
    throw fail('TXID_MISMATCH', 'txId is not SHA-256(nonce || creator)', TxValidationCode.BAD_PROPOSAL_TXID, { txId, expected: expectedTxId });
  }
  const code = TxValidationCode.INVALID_ENDORSER_TRANSACTION;
  const details = { txId, txValidationCode: code };
  const transaction = decodeMessage(protos.Transaction, envelope.data, 'protos.Transaction', undefined, details);
  const action = nested(protos.TransactionAction, transaction.actions[0]);
  if (!action || transaction.actions.length !== 1) {
    throw fail('INVALID_FIELD', `a transaction has exactly one action, not ${transaction.actions.length}`, code, { txId, actions: transaction.actions.length });
  }
  const actionSignatureHeader = decodeMessage(common.SignatureHeader, action.header, 'common.SignatureHeader', undefined, details);
  if (actionSignatureHeader.nonce.length === 0 || actionSignatureHeader.creator.length === 0) {
    throw fail('MISSING_FIELD', 'the action signature header lacks a nonce or creator', code, { txId, field: 'action.header' });
  }
  const actionPayload = decodeMessage(protos.ChaincodeActionPayload, action.payload, 'protos.ChaincodeActionPayload', undefined, details);
  const endorsed = nested(protos.ChaincodeEndorsedAction, actionPayload.action);
  // Fabric dereferences this without a check (a nil action panics its validator); we record the transaction as invalid.
  if (!endorsed) throw fail('MISSING_FIELD', 'the chaincode action payload has no action', code, { txId, field: 'action' });
  const proposalResponsePayload = decodeMessage(
    protos.ProposalResponsePayload, endorsed.proposalResponsePayload, 'protos.ProposalResponsePayload', undefined, details);
  if (actionPayload.chaincodeProposalPayload.length === 0) {
    throw fail('MISSING_FIELD', 'the transaction carries no proposal payload', code, { txId, field: 'chaincode_proposal_payload' });
  }
  const proposalHash = transactionProposalHash(envelope.channelHeaderBytes, action.header, actionPayload.chaincodeProposalPayload);
  if (!bytesEqual(proposalHash, proposalResponsePayload.proposalHash)) {
    throw fail('PROPOSAL_HASH_MISMATCH', 'the endorsed proposal hash does not match the transaction', code, { txId });
  }
  // Fabric hashes this payload without decoding it; an honest endorser hashed a decoded one, so it decodes.
  const proposalPayload = decodeMessage(
    protos.ChaincodeProposalPayload, actionPayload.chaincodeProposalPayload, 'protos.ChaincodeProposalPayload', undefined, details);
  return {
    envelope,
    creator: header.creator,
    txId,
    channelId: envelope.channelId,
    actionHeaderBytes: action.header,
    actionSignatureHeader,
    proposalPayloadBytes: actionPayload.chaincodeProposalPayload,
    proposalPayload,
    proposalResponsePayloadBytes: endorsed.proposalResponsePayload,
    proposalResponsePayload,
    endorsements: nestedList(protos.Endorsement, endorsed.endorsements),
    proposalHash,
  };
}

/** The protos.TxValidationCode a transaction parse failure carries; undefined for anything else. */
export function txValidationCodeOf(error: unknown): number | undefined {
  if (!(error instanceof DecodeError)) return undefined;
  const code = error.details.txValidationCode;
  return typeof code === 'number' ? code : undefined;
}

/** Each endorsement's signed data (payload || endorser), for the endorsement policy check. */
export function endorsementsSignedData(transaction: EndorserTransaction): SignedData[] {
  return transaction.endorsements.map((e) => endorsementSignedData(transaction.proposalResponsePayloadBytes, e));
}
