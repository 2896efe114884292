/**
 * The last structural step of reading an endorser transaction: the checks
 * Fabric's v20 plugin dispatcher makes before it runs the validation plugin
 * (core/committer/txvalidator/v20/plugindispatcher/dispatcher.go), in its order.
 */
import { protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { decodeMessage, nested } from './decode.js';
import { parseReadWriteSet, type ParsedReadWriteSet } from './read-write-set.js';
import type { EndorserTransaction } from './transaction-parse.js';

const { TxValidationCode } = protos;

/** An endorser transaction with its chaincode action, read-write set and event. */
export interface ParsedTransaction extends EndorserTransaction {
  /** From the channel header's ChaincodeHeaderExtension; equal to the action's chaincode name. */
  readonly chaincodeName: string;
  /** The version of the contract definition the endorsers ran. */
  readonly chaincodeVersion: string;
  /** ProposalResponsePayload.extension decoded: results, events, response, chaincode_id. */
  readonly chaincodeAction: protos.ChaincodeAction;
  readonly readWriteSet: ParsedReadWriteSet;
  /** The contract's event, if it set one. */
  readonly event: protos.ChaincodeEvent | undefined;
}

function fail(code: DecodeError['code'], message: string, txValidationCode: number, details: Record<string, unknown>): DecodeError {
  return new DecodeError(code, message, { ...details, txValidationCode });
}

/**
 * Decodes the header extension (BAD_HEADER_EXTENSION), the chaincode action
 * (BAD_RESPONSE_PAYLOAD) and the read-write set (BAD_RWSET); checks that both
 * name the same contract with a version (INVALID_OTHER_REASON when a
 * ChaincodeID is absent, INVALID_CHAINCODE when empty or different), that the
 * event belongs to that contract (INVALID_OTHER_REASON) and that no namespace
 * repeats (ILLEGAL_WRITESET).
 * @throws DecodeError with `details.txValidationCode`
 */
export function parseTransactionAction(transaction: EndorserTransaction): ParsedTransaction {
  const { txId, envelope, proposalResponsePayload } = transaction;
  const extension = decodeMessage(protos.ChaincodeHeaderExtension, envelope.channelHeader.extension, 'protos.ChaincodeHeaderExtension', undefined, {
    txId, txValidationCode: TxValidationCode.BAD_HEADER_EXTENSION,
  });

  const responseCode = TxValidationCode.BAD_RESPONSE_PAYLOAD;
  if (proposalResponsePayload.extension.length === 0) {
    throw fail('MISSING_FIELD', 'the proposal response payload has no chaincode action', responseCode, { txId, field: 'extension' });
  }
  const chaincodeAction = decodeMessage(protos.ChaincodeAction, proposalResponsePayload.extension, 'protos.ChaincodeAction', undefined, {
    txId, txValidationCode: responseCode,
  });
  const readWriteSet = parseReadWriteSet(chaincodeAction.results, undefined, { txId, txValidationCode: TxValidationCode.BAD_RWSET });

  const headerId = nested(protos.ChaincodeID, extension.chaincodeId);
  const actionId = nested(protos.ChaincodeID, chaincodeAction.chaincodeId);
  if (!headerId) throw fail('MISSING_FIELD', 'the header extension names no chaincode', TxValidationCode.INVALID_OTHER_REASON, { txId, field: 'extension.chaincode_id' });
  if (!actionId) throw fail('MISSING_FIELD', 'the chaincode action names no chaincode', TxValidationCode.INVALID_OTHER_REASON, { txId, field: 'chaincode_id' });
  const chaincodeName = headerId.name;
  const invalidChaincode = TxValidationCode.INVALID_CHAINCODE;
  if (chaincodeName === '') throw fail('MISSING_FIELD', 'the chaincode name is empty', invalidChaincode, { txId, field: 'extension.chaincode_id.name' });
  if (chaincodeName !== actionId.name) {
    throw fail('INVALID_FIELD', `the header invokes ${chaincodeName} but the action is of ${actionId.name}`, invalidChaincode, {
      txId, field: 'chaincode_id.name', expected: chaincodeName, actual: actionId.name,
    });
  }
  if (actionId.version === '') throw fail('MISSING_FIELD', 'the chaincode version is empty', invalidChaincode, { txId, field: 'chaincode_id.version' });

  let event: protos.ChaincodeEvent | undefined;
  if (chaincodeAction.events.length > 0) {
    event = decodeMessage(protos.ChaincodeEvent, chaincodeAction.events, 'protos.ChaincodeEvent', undefined, {
      txId, txValidationCode: TxValidationCode.INVALID_OTHER_REASON,
    });
    if (event.chaincodeId !== chaincodeName) {
      throw fail('INVALID_FIELD', 'the event belongs to another chaincode', TxValidationCode.INVALID_OTHER_REASON, {
        txId, field: 'events.chaincode_id', expected: chaincodeName, actual: event.chaincodeId,
      });
    }
  }

  const namespaces = new Set<string>();
  for (const ns of readWriteSet.namespaces) {
    if (namespaces.has(ns.namespace)) {
      throw fail('INVALID_FIELD', `namespace ${ns.namespace} appears twice in the read-write set`, TxValidationCode.ILLEGAL_WRITESET, {
        txId, field: 'results', namespace: ns.namespace,
      });
    }
    namespaces.add(ns.namespace);
  }

  const t = transaction;
  // Fields are listed, not spread: V8 copies a spread object several times slower.
  return {
    envelope: t.envelope,
    creator: t.creator,
    txId: t.txId,
    channelId: t.channelId,
    actionHeaderBytes: t.actionHeaderBytes,
    actionSignatureHeader: t.actionSignatureHeader,
    proposalPayloadBytes: t.proposalPayloadBytes,
    proposalPayload: t.proposalPayload,
    proposalResponsePayloadBytes: t.proposalResponsePayloadBytes,
    proposalResponsePayload: t.proposalResponsePayload,
    endorsements: t.endorsements,
    proposalHash: t.proposalHash,
    chaincodeName,
    chaincodeVersion: actionId.version,
    chaincodeAction,
    readWriteSet,
    event,
  };
}
