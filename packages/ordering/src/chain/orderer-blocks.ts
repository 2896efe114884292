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
import { channelConfigOfEnvelope, type LedgerChannelConfig } from '@alliance/ledger';
import { AllianceError, common, decodeMessage, encodeBlock, type SigningIdentity } from '@alliance/protocol';
import type { OrdererBlockStore } from '../orderer/block-store.js';
import { BlockCreator, BlockWriter, chainTipAfter, isConfigBlock, raftIndexOf } from '../orderer/block-writer.js';
import { consenterContext, consenterProblem, consentersOf } from '../orderer/consenters.js';
import type { ConfState, NodeId } from '../core/raft/types.js';
import { chainAssert } from './assert.js';
import type { ConsenterSet } from './membership-plan.js';
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

/**
 * The configuration a config block carries (genesis included).
 * @throws LedgerError BLOCK_MALFORMED when `block` is not a config block or its configuration does not decode
 */
export function configOfBlock(block: Uint8Array | common.IBlock): LedgerChannelConfig {
  const decoded = block instanceof Uint8Array ? decodeBlock(block) : block;
  const data = decoded.data?.data ?? [];
  chainAssert(data.length === 1, 'a config block holds one envelope');
  return channelConfigOfEnvelope(data[0]!);
}

/**
 * The Raft membership a config block admits: its consenters' ids as voters. A joining orderer
 * bootstraps its RaftChain with it from the config block that adds it (as Fabric starts a joiner
 * from that block), so it counts itself and the others as they will once the ConfChange applies.
 * @throws LedgerError BLOCK_MALFORMED (see configOfBlock); Error (assertion) when it names no consenter
 */
export function bootstrapFromConfigBlock(block: Uint8Array | common.IBlock): ConfState {
  const voters = [...consentersOf(configOfBlock(block).config).keys()].sort((a, b) => a - b);
  chainAssert(voters.length > 0 && !voters.includes(0), 'a config block to bootstrap from names its consenters');
  return { voters, learners: [] };
}

function contextsOf(config: LedgerChannelConfig): Map<NodeId, Uint8Array> {
  const out = new Map<NodeId, Uint8Array>();
  for (const [id, node] of consentersOf(config.config)) out.set(id, consenterContext(node));
  return out;
}

/** Fetches sealed block `number` from another orderer of the channel (Deliver). */
export type BlockPuller = (number: number) => Promise<Uint8Array>;

/** BlockWriter + OrdererBlockStore as the chain's BlockSink. */
export class OrdererBlockSink implements BlockSink {
  #writer: BlockWriter;
  #last: Uint8Array;
  #lastRaftIndex: number;
  #config: LedgerChannelConfig;
  #previousConfig: LedgerChannelConfig | undefined;
  #consenters: ConsenterSet;

  private constructor(
    private readonly store: OrdererBlockStore, private readonly signer: SigningIdentity, private readonly pull: BlockPuller, last: Uint8Array,
    config: LedgerChannelConfig, previousConfig: LedgerChannelConfig | undefined,
  ) {
    const decoded = decodeBlock(last);
    this.#writer = new BlockWriter(signer, chainTipAfter(decoded));
    this.#last = last;
    this.#lastRaftIndex = numberOf(decoded) === 0 ? 0 : Number(raftIndexOf(decoded));
    this.#config = config;
    this.#previousConfig = previousConfig;
    this.#consenters = this.#consenterSet();
  }

  /**
   * Opens on `store`, which holds at least the genesis block; reads the config block in force (the
   * last block's last config) and the one before it (for the contexts of removed consenters).
   * @throws the store's errors; LedgerError BLOCK_MALFORMED when a config block does not decode; Error (assertion) on an empty store
   */
  static async open(store: OrdererBlockStore, signer: SigningIdentity, pull: BlockPuller): Promise<OrdererBlockSink> {
    chainAssert(store.height > 0, 'the orderer block store holds the genesis block');
    const last = await store.get(store.height - 1);
    const at = Number(chainTipAfter(decodeBlock(last)).lastConfigIndex);
    const configBlock = await store.get(at);
    let previous: LedgerChannelConfig | undefined;
    if (at > 0) {
      const before = Number(chainTipAfter(decodeBlock(await store.get(at - 1))).lastConfigIndex);
      previous = configOfBlock(await store.get(before));
    }
    return new OrdererBlockSink(store, signer, pull, last, configOfBlock(configBlock), previous);
  }

  /** The channel configuration in force: the last config block's. */
  config(): LedgerChannelConfig {
    return this.#config;
  }

  /**
   * Whether a CONFIG envelope still fits the configuration in force (RaftChain's `checkConfigEnvelope`):
   * same channel, the next sequence, and its consenters acceptable (one change at most).
   */
  configEnvelopeFits(envelope: Uint8Array): boolean {
    let next: LedgerChannelConfig;
    try {
      next = channelConfigOfEnvelope(envelope);
    } catch (err) {
      if (err instanceof AllianceError) return false;
      throw err;
    }
    const current = this.#config;
    return next.channelId === current.channelId && next.sequence === current.sequence + 1 && consenterProblem(current.config, next.config) === undefined;
  }

  /** The consenters in force (and those before), as RaftChain's `consenters` option wants them. */
  consenters(): ConsenterSet {
    return this.#consenters;
  }

  #consenterSet(): ConsenterSet {
    return { current: contextsOf(this.#config), ...(this.#previousConfig && { previous: contextsOf(this.#previousConfig) }) };
  }

  /** Follows config blocks as they are stored. */
  #stored(block: common.IBlock): void {
    if (!isConfigBlock(block) || numberOf(block) === 0) return;
    this.#previousConfig = this.#config;
    this.#config = configOfBlock(block);
    this.#consenters = this.#consenterSet();
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
    const decoded = decodeBlock(block);
    const sealed = this.#writer.writeBlock(decoded, { raftIndex: BigInt(raftIndex) });
    await this.store.append(sealed);
    this.#last = sealed;
    this.#lastRaftIndex = raftIndex;
    this.#stored(decoded);
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
    this.#stored(decoded);
  }
}
