/**
 * Blocks as Fabric builds and checks them (protoutil/blockutils.go): the data
 * hash is SHA-256 of the entries one after another; the header hash is SHA-256
 * of the header's ASN.1 DER, which is what the next block's previous_hash
 * holds; a new block has one empty metadata slot per BlockMetadataIndex value.
 */
import { common } from '../messages.js';
import { DecodeError } from '../errors.js';
import { BLOCK_BYTES_MAX } from '../constants.js';
import { blockHeaderAsn1 } from '../core/der.js';
import { sha256 } from '../crypto/hash.js';
import { longToBigInt, toUnsignedLong } from '../long.js';
import { bytesEqual } from './bytes.js';
import { decodeMessage, nested } from './decode.js';

/** Metadata slots of a block: SIGNATURES, LAST_CONFIG, TRANSACTIONS_FILTER, ORDERER, COMMIT_HASH. */
export const BLOCK_METADATA_SLOTS = 5;

/** A decoded block after parseBlock's checks. */
export interface ParsedBlock {
  /** The decoded block; its metadata padded to BLOCK_METADATA_SLOTS entries. */
  readonly block: common.Block;
  readonly number: bigint;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
  /** SHA-256 of the header's DER: the next block's previous_hash. */
  readonly headerHash: Uint8Array;
  /** The encoded envelopes, as hashed. */
  readonly envelopes: readonly Uint8Array[];
}

/** SHA-256 of the concatenated data entries (Fabric's ComputeBlockDataHash). */
export function blockDataHash(data: readonly Uint8Array[]): Uint8Array {
  return sha256(...data);
}

/** The DER bytes Fabric hashes and signs for a block header: SEQUENCE{INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash}. */
export function blockHeaderBytes(header: common.IBlockHeader): Uint8Array {
  return blockHeaderAsn1(longToBigInt(header.number), header.previousHash ?? new Uint8Array(0), header.dataHash ?? new Uint8Array(0));
}

/** SHA-256 of blockHeaderBytes: the hash that chains blocks. */
export function blockHeaderHash(header: common.IBlockHeader): Uint8Array {
  return sha256(blockHeaderBytes(header));
}

/**
 * A new block holding `envelopes` (encoded common.Envelopes), with its data
 * hash set and empty metadata slots, as Fabric's orderer creates it before
 * signing. Genesis has number 0 and an empty previous hash.
 * @throws RangeError when `number` is not a uint64
 */
export function buildBlock(number: bigint, previousHash: Uint8Array, envelopes: readonly Uint8Array[]): common.Block {
  return common.Block.create({
    header: { number: toUnsignedLong(number), previousHash, dataHash: blockDataHash(envelopes) },
    data: { data: [...envelopes] },
    metadata: { metadata: Array.from({ length: BLOCK_METADATA_SLOTS }, () => new Uint8Array(0)) },
  });
}

/** Encodes a block. */
export function encodeBlock(block: common.IBlock): Uint8Array {
  return common.Block.encode(block).finish();
}

/** Pads metadata to every slot (Fabric's InitBlockMetadata); returns the slots. */
export function blockMetadataSlots(block: common.IBlock): Uint8Array[] {
  const metadata = (block.metadata ??= { metadata: [] });
  const slots = (metadata.metadata ??= []);
  while (slots.length < BLOCK_METADATA_SLOTS) slots.push(new Uint8Array(0));
  return slots;
}

/**
 * Decodes a block and checks it as a peer checks a delivered block before its
 * signatures: header and data present, at least one transaction, every
 * envelope well formed (decodes, has payload and signature, and is encoded
 * canonically, except a lone config transaction), and the data hash matching.
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, MISSING_FIELD, DATA_HASH_MISMATCH
 */
export function parseBlock(bytes: Uint8Array, bytesMax: number = BLOCK_BYTES_MAX): ParsedBlock {
  const block = decodeMessage(common.Block, bytes, 'common.Block', bytesMax);
  const header = nested(common.BlockHeader, block.header);
  if (!header) throw new DecodeError('MISSING_FIELD', 'the block has no header', { field: 'header' });
  const number = longToBigInt(header.number);
  const envelopes = nested(common.BlockData, block.data)?.data ?? [];
  if (envelopes.length === 0) throw new DecodeError('MISSING_FIELD', `block ${number} has no transactions`, { number: String(number), field: 'data' });
  if (!isConfigBlockData(envelopes)) envelopes.forEach((e, index) => checkEnvelopeWellFormed(e, String(number), index));
  const dataHash = blockDataHash(envelopes);
  if (!bytesEqual(dataHash, header.dataHash)) {
    throw new DecodeError('DATA_HASH_MISMATCH', `block ${number} data hash does not match its data`, {
      number: String(number), expected: Buffer.from(header.dataHash).toString('hex'), actual: Buffer.from(dataHash).toString('hex'),
    });
  }
  blockMetadataSlots(block);
  return {
    block, number, previousHash: header.previousHash, dataHash: header.dataHash, headerHash: blockHeaderHash(header), envelopes,
  };
}

const ENVELOPE_PAYLOAD_TAG = 0x0a;

function varintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

// Fabric's VerifyTransactionsAreWellFormed: re-encoding must give the bytes back, so no
// unknown fields, repeats or padding ride along under the same data hash. The canonical
// form is (0x0a, len, payload, 0x12, len, signature); as both decoded non-empty, the bytes
// are canonical exactly when they start with the payload tag and have that length (any
// extra record, repeat or long varint adds bytes), which spares a re-encoding per envelope.
function checkEnvelopeWellFormed(bytes: Uint8Array, number: string, index: number): void {
  const envelope = decodeMessage(common.Envelope, bytes, 'common.Envelope', undefined, { number, index });
  const { payload, signature } = envelope;
  if (payload.length === 0) throw new DecodeError('MISSING_FIELD', `transaction ${index} has no payload`, { number, index, field: 'payload' });
  if (signature.length === 0) throw new DecodeError('MISSING_FIELD', `transaction ${index} has no signature`, { number, index, field: 'signature' });
  const canonicalBytes = 2 + varintBytes(payload.length) + payload.length + varintBytes(signature.length) + signature.length;
  if (bytes[0] !== ENVELOPE_PAYLOAD_TAG || bytes.length !== canonicalBytes) {
    throw new DecodeError('MALFORMED_MESSAGE', `transaction ${index} is not canonically encoded`, { number, index, message: 'common.Envelope' });
  }
}

// Fabric's HasConfigTx: a config block holds exactly one CONFIG envelope, which may be unsigned (genesis).
function isConfigBlockData(envelopes: readonly Uint8Array[]): boolean {
  if (envelopes.length !== 1) return false;
  try {
    const envelope = common.Envelope.decode(envelopes[0]!);
    const header = nested(common.Header, common.Payload.decode(envelope.payload).header);
    return !!header && common.ChannelHeader.decode(header.channelHeader).type === common.HeaderType.CONFIG;
  } catch {
    return false;
  }
}
