/**
 * Block metadata as Fabric 2.5's orderer writes it and its peers read it
 * (orderer/common/multichannel/blockwriter.go, protoutil/blockutils.go):
 * - SIGNATURES: Metadata{value = OrdererBlockMetadata{last_config,
 *   consenter_metadata = encoded Metadata{value = consensus metadata}},
 *   signatures = [{signature_header, signature over (value || signature_header
 *   || block header DER)}]};
 * - LAST_CONFIG (deprecated, still written): Metadata{value = LastConfig{index}};
 * - TRANSACTIONS_FILTER: raw bytes, one TxValidationCode per transaction.
 * The orderer signs after the header is final: the signature covers it.
 */
import { common, protos } from '../messages.js';
import { DecodeError } from '../errors.js';
import { assert } from '../core/assert.js';
import { longToBigInt, toUnsignedLong } from '../long.js';
import type { SigningIdentity } from '../msp/types.js';
import type { SignedData } from '../policy/index.js';
import { concatBytes } from './bytes.js';
import { blockHeaderBytes, blockMetadataSlots } from './block.js';
import { decodeMessage, nestedList } from './decode.js';
import { encodeSignatureHeader } from './header.js';
import { newNonce } from './tx-id.js';

const { BlockMetadataIndex } = common;

/** What the orderer records in the SIGNATURES slot besides the signature. */
export interface OrdererMetadataSpec {
  /** Number of the last config block, this block included. */
  readonly lastConfigIndex: bigint;
  /** The consensus metadata (etcdraft.BlockMetadata encoded); empty when none. */
  readonly consenterMetadata?: Uint8Array;
}

/** The SIGNATURES slot, decoded. */
export interface OrdererMetadata {
  /** Metadata.value: the encoded OrdererBlockMetadata every signature covers. */
  readonly value: Uint8Array;
  readonly lastConfigIndex: bigint;
  /** The consensus metadata, unwrapped from its Metadata envelope. */
  readonly consenterMetadata: Uint8Array;
  readonly signatures: readonly common.MetadataSignature[];
}

/** A filter of `txCount` transactions all NOT_VALIDATED, as Fabric's validator starts one. */
export function newTransactionsFilter(txCount: number): Uint8Array {
  return new Uint8Array(txCount).fill(protos.TxValidationCode.NOT_VALIDATED);
}

/**
 * The TRANSACTIONS_FILTER of a block, or undefined when it has not been validated yet.
 * @throws DecodeError INVALID_FIELD when the filter does not hold one byte per transaction
 */
export function getTransactionsFilter(block: common.IBlock): Uint8Array | undefined {
  const filter = block.metadata?.metadata?.[BlockMetadataIndex.TRANSACTIONS_FILTER];
  if (!filter || filter.length === 0) return undefined;
  const txCount = block.data?.data?.length ?? 0;
  if (filter.length !== txCount) {
    throw new DecodeError('INVALID_FIELD', `the transactions filter has ${filter.length} entries for ${txCount} transactions`, {
      field: 'metadata.transactions_filter', entries: filter.length, transactions: txCount,
    });
  }
  return filter;
}

/** Records one validation code per transaction in the TRANSACTIONS_FILTER slot. */
export function setTransactionsFilter(block: common.IBlock, filter: Uint8Array): void {
  assert(filter.length === (block.data?.data?.length ?? 0), 'a transactions filter holds one code per transaction');
  blockMetadataSlots(block)[BlockMetadataIndex.TRANSACTIONS_FILTER] = filter;
}

/**
 * Signs a block as Fabric's block writer does: writes LAST_CONFIG and the
 * SIGNATURES slot with one signature by `signer` (a fresh nonce per block).
 */
export function signBlock(block: common.IBlock, signer: SigningIdentity, spec: OrdererMetadataSpec): void {
  assert(block.header, 'a block is signed after its header is set');
  const lastConfig = { index: toUnsignedLong(spec.lastConfigIndex) };
  const value = common.OrdererBlockMetadata.encode({
    lastConfig,
    consenterMetadata: common.Metadata.encode({ value: spec.consenterMetadata ?? new Uint8Array(0) }).finish(),
  }).finish();
  const signatureHeader = encodeSignatureHeader(signer.serialized, newNonce());
  const signature = signer.sign(concatBytes(value, signatureHeader, blockHeaderBytes(block.header)));
  const slots = blockMetadataSlots(block);
  slots[BlockMetadataIndex.LAST_CONFIG] = common.Metadata.encode({ value: common.LastConfig.encode(lastConfig).finish() }).finish();
  slots[BlockMetadataIndex.SIGNATURES] = common.Metadata.encode({ value, signatures: [{ signatureHeader, signature }] }).finish();
}

function signaturesSlot(block: common.IBlock): common.Metadata {
  const slot = block.metadata?.metadata?.[BlockMetadataIndex.SIGNATURES];
  if (!slot) throw new DecodeError('MISSING_FIELD', 'the block has no signatures metadata', { field: 'metadata.signatures' });
  return decodeMessage(common.Metadata, slot, 'common.Metadata');
}

/**
 * Reads the SIGNATURES slot: last config index, consensus metadata and signatures.
 * @throws DecodeError MISSING_FIELD, MALFORMED_MESSAGE
 */
export function parseOrdererMetadata(block: common.IBlock): OrdererMetadata {
  const metadata = signaturesSlot(block);
  const ordererMetadata = decodeMessage(common.OrdererBlockMetadata, metadata.value, 'common.OrdererBlockMetadata');
  const consenter = decodeMessage(common.Metadata, ordererMetadata.consenterMetadata, 'common.Metadata');
  return {
    value: metadata.value,
    lastConfigIndex: longToBigInt(ordererMetadata.lastConfig?.index),
    consenterMetadata: consenter.value,
    signatures: nestedList(common.MetadataSignature, metadata.signatures),
  };
}

/**
 * The orderer signatures of a block as signed data for the block validation
 * policy (Fabric's BlockSignatureVerifier without BFT identifier headers):
 * identity = the signature header's creator, data = value || signature header || header DER.
 * @throws DecodeError MISSING_FIELD, MALFORMED_MESSAGE
 */
export function blockSignaturesSignedData(block: common.IBlock): SignedData[] {
  if (!block.header) throw new DecodeError('MISSING_FIELD', 'the block has no header', { field: 'header' });
  const metadata = signaturesSlot(block);
  const headerBytes = blockHeaderBytes(block.header);
  return nestedList(common.MetadataSignature, metadata.signatures).map((s, index) => {
    const signatureHeader = decodeMessage(common.SignatureHeader, s.signatureHeader, 'common.SignatureHeader', undefined, { index });
    return {
      identity: signatureHeader.creator,
      data: concatBytes(metadata.value, s.signatureHeader, headerBytes),
      signature: s.signature,
    };
  });
}

/**
 * The number of the last config block, as Fabric's GetLastConfigIndexFromBlock
 * reads it: from SIGNATURES, or from the deprecated LAST_CONFIG slot when the
 * SIGNATURES value is empty (blocks of orderers before 1.4.1).
 * @throws DecodeError MISSING_FIELD, MALFORMED_MESSAGE
 */
export function lastConfigIndex(block: common.IBlock): bigint {
  const metadata = signaturesSlot(block);
  if (metadata.value.length > 0) {
    const ordererMetadata = decodeMessage(common.OrdererBlockMetadata, metadata.value, 'common.OrdererBlockMetadata');
    return longToBigInt(ordererMetadata.lastConfig?.index);
  }
  const slot = block.metadata?.metadata?.[BlockMetadataIndex.LAST_CONFIG];
  if (!slot) throw new DecodeError('MISSING_FIELD', 'the block has no last config metadata', { field: 'metadata.last_config' });
  const legacy = decodeMessage(common.Metadata, slot, 'common.Metadata');
  return longToBigInt(decodeMessage(common.LastConfig, legacy.value, 'common.LastConfig').index);
}
