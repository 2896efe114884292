/**
 * The chain's BlockBuilder and BlockSink over the orderer's own block code
 * (src/orderer/): the leader's `BlockCreator` makes unsigned blocks, one per
 * Raft entry; every orderer's `BlockWriter` seals each committed block with
 * its raft_index and signature, and the `OrdererBlockStore` keeps it (the
 * store must already hold the channel's genesis block).
 *
 * A Raft snapshot's data is the last block as its orderer sealed it; a node
 * installing one pulls the blocks in between from other orderers (Fabric's
 * catch-up through Deliver) and stores them as they were signed there.
 */
import { common, decodeMessage, encodeBlock, type SigningIdentity } from '@alliance/protocol';
import type { OrdererBlockStore } from '../orderer/block-store.js';
import { BlockCreator, BlockWriter, chainTipAfter, raftIndexOf } from '../orderer/block-writer.js';
import { chainAssert } from './assert.js';
import type { BlockBuilder, BlockSink } from './types.js';

function decodeBlock(bytes: Uint8Array): common.Block {
  return decodeMessage(common.Block, bytes, 'common.Block');
}

function numberOf(block: common.IBlock): number {
  return Number(block.header?.number ?? 0);
}

/** The leader's BlockCreator as a BlockBuilder: raft_index is sealed at write time, so `build` ignores it. */
export class OrdererBlockBuilder implements BlockBuilder {
  readonly #creator: BlockCreator;

  /** @param lastBlock the last committed block (the sink's) */
  constructor(lastBlock: Uint8Array) {
    this.#creator = new BlockCreator(chainTipAfter(decodeBlock(lastBlock)));
  }

  build(batch: readonly Uint8Array[], _raftIndex: number): Uint8Array {
    return encodeBlock(this.#creator.createNextBlock(batch));
  }

  reset(lastBlock: Uint8Array): void {
    this.#creator.reset(chainTipAfter(decodeBlock(lastBlock)));
  }
}

/** Fetches sealed block `number` from another orderer of the channel (Deliver). */
export type BlockPuller = (number: number) => Promise<Uint8Array>;

/** BlockWriter + OrdererBlockStore as the chain's BlockSink. */
export class OrdererBlockSink implements BlockSink {
  #writer: BlockWriter;
  #last: Uint8Array;
  #lastRaftIndex: number;

  private constructor(private readonly store: OrdererBlockStore, private readonly signer: SigningIdentity, private readonly pull: BlockPuller, last: Uint8Array) {
    const decoded = decodeBlock(last);
    this.#writer = new BlockWriter(signer, chainTipAfter(decoded));
    this.#last = last;
    this.#lastRaftIndex = numberOf(decoded) === 0 ? 0 : Number(raftIndexOf(decoded));
  }

  /**
   * Opens on `store`, which holds at least the genesis block.
   * @throws the store's errors; Error (assertion) on an empty store
   */
  static async open(store: OrdererBlockStore, signer: SigningIdentity, pull: BlockPuller): Promise<OrdererBlockSink> {
    chainAssert(store.height > 0, 'the orderer block store holds the genesis block');
    return new OrdererBlockSink(store, signer, pull, await store.get(store.height - 1));
  }

  lastBlock(): Uint8Array {
    return this.#last;
  }

  lastRaftIndex(): number {
    return this.#lastRaftIndex;
  }

  height(): number {
    return this.store.height;
  }

  async write(block: Uint8Array, raftIndex: number): Promise<void> {
    const sealed = this.#writer.writeBlock(decodeBlock(block), { raftIndex: BigInt(raftIndex) });
    await this.store.append(sealed);
    this.#last = sealed;
    this.#lastRaftIndex = raftIndex;
  }

  async catchUp(block: Uint8Array, raftIndex: number): Promise<void> {
    const target = numberOf(decodeBlock(block));
    for (let n = this.store.height; n < target; n++) await this.#appendSealed(await this.pull(n));
    if (this.store.height === target) await this.#appendSealed(block);
    chainAssert(this.#lastRaftIndex === raftIndex, `the snapshot's block ${target} carries raft index ${raftIndex}`);
  }

  async #appendSealed(block: Uint8Array): Promise<void> {
    await this.store.append(block);
    const decoded = decodeBlock(block);
    this.#writer = new BlockWriter(this.signer, chainTipAfter(decoded));
    this.#last = block;
    this.#lastRaftIndex = Number(raftIndexOf(decoded));
  }
}
