/**
 * The first stage of committing a block, before any state is read: copy the
 * block into shared memory, decode it and every transaction once, and lay
 * out the signature checks for the worker pool. Codes are recorded in
 * Fabric's order of checks: header faults before the creator's signature,
 * then txId and structure, channel, (duplicates, later), the action.
 */
import {
  DecodeError, checkTransactionHeader, common, longToNumber, parseBlock, parseEndorserTransaction, parseEnvelope,
  parseTransactionAction, protos, timestampToMs, txValidationCodeOf, type ParsedBlock, type ParsedTransaction,
} from '@alliance/protocol';
import { LedgerError } from '../errors.js';
import { BLOCK_TRANSACTIONS_MAX } from '../constants.js';
import type { TxRwSet } from '../core/rwset.js';
import { SignatureJobs } from '../workers/signature-jobs.js';
import { txRwSetFromProto } from './rwset-from-proto.js';

const { TxValidationCode } = protos;
const VALID = TxValidationCode.VALID;

/** One transaction after decoding, waiting for its signature checks. */
export interface PreparedTx {
  readonly index: number;
  /** '' when the header did not decode. */
  readonly txId: string;
  readonly type: number;
  readonly timestampMs: number;
  /** Fault found before the creator's signature is checked (no signature job then). */
  readonly headerCode: number;
  /** Fault found after the signature and before the duplicate check (txId, structure, channel). */
  readonly structureCode: number;
  /** Fault found after the duplicate check (header extension, action, read-write set). */
  readonly actionCode: number;
  /** Why the transaction failed, for logs and queries ('' when it did not). */
  readonly reason: string;
  /** Index of the creator's signature job; -1 without one. */
  readonly creatorJob: number;
  /** Index of the first endorsement job and how many there are. */
  readonly endorsementJobStart: number;
  readonly endorsementCount: number;
  /** Serialized endorsers, in endorsement order. */
  readonly endorsers: readonly Uint8Array[];
  /** Decoded endorser transaction, when it decoded completely. */
  readonly transaction: ParsedTransaction | undefined;
  readonly rwset: TxRwSet | undefined;
  /** Encoded ChannelConfig of a CONFIG transaction. */
  readonly configData: Uint8Array | undefined;
  /** The envelope's bytes inside the block. */
  readonly envelope: Uint8Array;
}

/** A block after stage one. */
export interface PreparedBlock {
  readonly parsed: ParsedBlock;
  readonly number: number;
  /** The block's bytes, in a SharedArrayBuffer. */
  readonly bytes: Uint8Array;
  readonly txs: readonly PreparedTx[];
  readonly jobs: SignatureJobs;
}

/** Copies bytes into a SharedArrayBuffer so worker threads read them without another copy. */
export function toShared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

function codeOf(err: unknown): { code: number; reason: string } {
  const code = txValidationCodeOf(err);
  if (code === undefined) throw err;
  return { code, reason: (err as DecodeError).message };
}

function prepareTx(index: number, envelopeBytes: Uint8Array, channelId: string, jobs: SignatureJobs): PreparedTx {
  const none = {
    index, txId: '', type: -1, timestampMs: 0, structureCode: VALID, actionCode: VALID, creatorJob: -1,
    endorsementJobStart: 0, endorsementCount: 0, endorsers: [], transaction: undefined, rwset: undefined, configData: undefined,
    envelope: envelopeBytes,
  };
  let header;
  try {
    header = checkTransactionHeader(parseEnvelope(envelopeBytes));
  } catch (err) {
    const { code, reason } = codeOf(err);
    return { ...none, headerCode: code, reason };
  }
  const env = header.envelope;
  const timestampMs = env.channelHeader.timestamp ? timestampToMs(env.channelHeader.timestamp) : 0;
  // Identities are judged at the transaction's own time: every peer reaches the same verdict, and
  // endorsers checked that time against their clocks when they endorsed.
  const creatorJob = jobs.add(env.signatureHeader.creator, env.payloadBytes, undefined, env.signature, timestampMs);
  const base = { ...none, txId: env.txId, type: env.type, timestampMs, headerCode: VALID, creatorJob };

  if (env.type === common.HeaderType.CONFIG) {
    const structureCode = env.channelId === channelId ? VALID : TxValidationCode.TARGET_CHAIN_NOT_FOUND;
    return { ...base, structureCode, reason: structureCode === VALID ? '' : `channel ${env.channelId} is not ${channelId}`, configData: env.data };
  }
  if (env.type !== common.HeaderType.ENDORSER_TRANSACTION) {
    return { ...base, structureCode: TxValidationCode.UNKNOWN_TX_TYPE, reason: `header type ${env.type} is not committed by a peer` };
  }
  let endorser;
  try {
    endorser = parseEndorserTransaction(header);
  } catch (err) {
    const { code, reason } = codeOf(err);
    return { ...base, structureCode: code, reason };
  }
  if (env.channelId !== channelId) {
    return { ...base, structureCode: TxValidationCode.TARGET_CHAIN_NOT_FOUND, reason: `channel ${env.channelId} is not ${channelId}` };
  }
  let transaction: ParsedTransaction;
  let rwset: TxRwSet;
  try {
    transaction = parseTransactionAction(endorser);
    rwset = txRwSetFromProto(transaction.readWriteSet);
  } catch (err) {
    if (err instanceof DecodeError && err.code === 'INTEGER_OUT_OF_RANGE') {
      return { ...base, actionCode: TxValidationCode.BAD_RWSET, reason: err.message };
    }
    const { code, reason } = codeOf(err);
    return { ...base, actionCode: code, reason };
  }
  const prp = transaction.proposalResponsePayloadBytes;
  const endorsers: Uint8Array[] = [];
  const endorsementJobStart = jobs.count;
  for (const e of transaction.endorsements) {
    endorsers.push(e.endorser);
    jobs.add(e.endorser, prp, e.endorser, e.signature, timestampMs);
  }
  return {
    ...base, reason: '', transaction, rwset, endorsers, endorsementJobStart, endorsementCount: endorsers.length,
  };
}

/**
 * Decodes a block and its transactions and lays out their signature checks.
 * Transaction faults become codes; only a block that does not decode as a
 * block (or whose data hash is wrong) throws.
 * @throws LedgerError BLOCK_MALFORMED, BLOCK_DATA_HASH_MISMATCH, BLOCK_TOO_LARGE
 */
export function prepareBlock(blockBytes: Uint8Array, channelId: string): PreparedBlock {
  const bytes = toShared(blockBytes);
  let parsed: ParsedBlock;
  try {
    parsed = parseBlock(bytes);
  } catch (err) {
    if (err instanceof DecodeError) {
      const code = err.code === 'DATA_HASH_MISMATCH' ? 'BLOCK_DATA_HASH_MISMATCH' : err.code === 'MESSAGE_TOO_LARGE' ? 'BLOCK_TOO_LARGE' : 'BLOCK_MALFORMED';
      throw new LedgerError(code, `block does not decode: ${err.message}`, { ...err.details }, { cause: err });
    }
    throw err;
  }
  if (parsed.envelopes.length > BLOCK_TRANSACTIONS_MAX) {
    throw new LedgerError('BLOCK_TOO_LARGE', `block holds ${parsed.envelopes.length} transactions, more than ${BLOCK_TRANSACTIONS_MAX}`, {});
  }
  const jobs = new SignatureJobs(bytes, parsed.envelopes.length * 3 + 1);
  const txs = parsed.envelopes.map((e, i) => prepareTx(i, e, channelId, jobs));
  return { parsed, number: longToNumber(parsed.block.header?.number ?? 0, 'block number'), bytes, txs, jobs };
}
