/**
 * Building and signing blocks as Fabric's etcdraft orderer does
 * (orderer/common/multichannel/blockwriter.go, consensus/etcdraft/chain.go):
 *
 * - the leader's `BlockCreator` turns each cut batch into the next block
 *   (number, previous header hash, data hash), unsigned; one Raft entry
 *   carries one such block;
 * - once the entry commits, every orderer's `BlockWriter` seals its own copy:
 *   SIGNATURES holds OrdererBlockMetadata{last_config, consenter_metadata =
 *   Metadata{value = etcdraft.BlockMetadata{raft_index, ...}}} signed by the
 *   node's identity, LAST_CONFIG is written as Fabric 2.5 still writes it,
 *   TRANSACTIONS_FILTER and COMMIT_HASH are left empty for the committer.
 *
 * The leader keeps creating blocks ahead of commit (MaxInflightBlocks), so
 * the creator chains from the last block it created, not the last one
 * committed; after a leader change it is reset to the committed tip.
 * `raftIndexOf` reads raft_index back: the node applying entries skips one
 * whose index is not above the last block's (the double-apply guard).
 */
import {
  blockHeaderHash, buildBlock, common, encodeBlock, etcdraft, longToBigInt, parseEnvelope, parseOrdererMetadata, signBlock,
  toUnsignedLong, decodeMessage, type SigningIdentity,
} from '@alliance/protocol';
import { ordererAssert } from './assert.js';

/** Where a chain stands: the next block's number and what it chains to. */
export interface ChainTip {
  /** Blocks in the chain: the next block's number. */
  readonly height: bigint;
  /** Header hash of the last block (empty before genesis). */
  readonly headerHash: Uint8Array;
  /** Number of the last config block (0: genesis). */
  readonly lastConfigIndex: bigint;
}

/** The tip of an empty chain. */
export const EMPTY_CHAIN_TIP: ChainTip = Object.freeze({ height: 0n, headerHash: new Uint8Array(0), lastConfigIndex: 0n });

/** The Raft bookkeeping a block carries in its consenter metadata. */
export interface RaftBlockMetadata {
  /** The Raft entry that carried the block (Raft indexes start at 1). */
  readonly raftIndex: bigint;
  /** Ids of the consenters in force after this block. */
  readonly consenterIds?: readonly bigint[];
  /** The id the next consenter added gets. */
  readonly nextConsenterId?: bigint;
}

/**
 * Whether a block is a config block (Fabric's IsConfigBlock): exactly one
 * envelope, of header type CONFIG. A block that does not decode is not one.
 */
export function isConfigBlock(block: common.IBlock): boolean {
  const data = block.data?.data ?? [];
  if (data.length !== 1) return false;
  try {
    return parseEnvelope(data[0]!).type === common.HeaderType.CONFIG;
  } catch {
    return false;
  }
}

/**
 * The tip after `lastBlock` (undefined: an empty chain).
 * @throws DecodeError when the block's orderer metadata does not decode (genesis needs none)
 */
export function chainTipAfter(lastBlock: common.IBlock | undefined): ChainTip {
  if (!lastBlock) return EMPTY_CHAIN_TIP;
  ordererAssert(lastBlock.header, 'a stored block has a header');
  const number = longToBigInt(lastBlock.header.number);
  const lastConfigIndex = number === 0n || isConfigBlock(lastBlock) ? number : parseOrdererMetadata(lastBlock).lastConfigIndex;
  return { height: number + 1n, headerHash: blockHeaderHash(lastBlock.header), lastConfigIndex };
}

/**
 * The raft_index a block carries (0 for a block no Raft entry carried, such
 * as genesis).
 * @throws DecodeError MALFORMED_MESSAGE, MISSING_FIELD when the metadata does not decode
 */
export function raftIndexOf(block: common.IBlock | Uint8Array): bigint {
  const decoded = block instanceof Uint8Array ? decodeMessage(common.Block, block, 'common.Block') : block;
  const consenter = parseOrdererMetadata(decoded).consenterMetadata;
  return longToBigInt(decodeMessage(etcdraft.BlockMetadata, consenter, 'etcdraft.BlockMetadata').raftIndex);
}

/** The leader's side: each batch becomes the next block, chained to the last one created. */
export class BlockCreator {
  #height: bigint;
  #previousHash: Uint8Array;

  /** Starts after `tip` (the last committed block). */
  constructor(tip: Pick<ChainTip, 'height' | 'headerHash'> = EMPTY_CHAIN_TIP) {
    this.#height = tip.height;
    this.#previousHash = tip.headerHash;
  }

  /** The number the next block gets. */
  get nextNumber(): bigint {
    return this.#height;
  }

  /**
   * The next block holding `envelopes` (a cut batch, at least one envelope),
   * unsigned, with empty metadata slots.
   */
  createNextBlock(envelopes: readonly Uint8Array[]): common.Block {
    ordererAssert(envelopes.length > 0, 'a block holds at least one envelope');
    const block = buildBlock(this.#height, this.#previousHash, envelopes);
    this.#previousHash = blockHeaderHash(block.header!);
    this.#height += 1n;
    return block;
  }

  /** Forgets blocks created but not committed (a new leader term starts from the committed tip). */
  reset(tip: Pick<ChainTip, 'height' | 'headerHash'>): void {
    this.#height = tip.height;
    this.#previousHash = tip.headerHash;
  }
}

/** Every orderer's side: seals committed blocks with its metadata and signature, in chain order. */
export class BlockWriter {
  readonly #signer: SigningIdentity;
  #tip: ChainTip;

  /** Continues after `tip` (from the block store's last block on restart). */
  constructor(signer: SigningIdentity, tip: ChainTip = EMPTY_CHAIN_TIP) {
    this.#signer = signer;
    this.#tip = tip;
  }

  get tip(): ChainTip {
    return this.#tip;
  }

  /**
   * Seals the next block of the chain: its orderer metadata (last config,
   * `raft` as consenter metadata) and this node's signature. A config block
   * becomes its own last config. Returns the encoded block, ready for the
   * block store. The block must come next (number and previous hash): Raft
   * hands entries in order and the caller skips replays by raft_index.
   */
  writeBlock(block: common.Block, raft: RaftBlockMetadata): Uint8Array {
    const header = block.header;
    ordererAssert(header, 'a block to write has a header');
    const number = longToBigInt(header.number);
    ordererAssert(number === this.#tip.height, `block ${number} is written at height ${this.#tip.height}`);
    ordererAssert(Buffer.from(header.previousHash ?? []).equals(this.#tip.headerHash), `block ${number} chains to the last block written`);
    ordererAssert(raft.raftIndex >= 1n, 'a Raft entry has an index of 1 or more');
    const lastConfigIndex = isConfigBlock(block) ? number : this.#tip.lastConfigIndex;
    const consenterMetadata = etcdraft.BlockMetadata.encode({
      consenterIds: (raft.consenterIds ?? []).map((id) => toUnsignedLong(id)),
      nextConsenterId: toUnsignedLong(raft.nextConsenterId ?? 0n),
      raftIndex: toUnsignedLong(raft.raftIndex),
    }).finish();
    signBlock(block, this.#signer, { lastConfigIndex, consenterMetadata });
    this.#tip = { height: number + 1n, headerHash: blockHeaderHash(header), lastConfigIndex };
    return encodeBlock(block);
  }
}
