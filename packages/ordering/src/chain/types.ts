/**
 * What the consensus loop is handed: the network, the block builder and the
 * block sink. Each has a real implementation (libp2p transport, the orderer's
 * BlockCreator/BlockWriter and block store) and a simulated one (src/sim/).
 */
import type { NodeId, Message } from '../core/raft/types.js';

/**
 * The network as one orderer sees it. Both sends are best effort: Raft
 * tolerates loss, and a lost forwarded envelope is resubmitted by its
 * client (Fabric's Broadcast gives no delivery guarantee either). Inbound
 * traffic is handed to `RaftChain.step` and `RaftChain.receiveForwarded`.
 */
export interface Transport {
  /** Raft messages for `to`, in order; called only once the Ready they came in is durable. */
  send(to: NodeId, messages: readonly Message[]): void;
  /**
   * Envelopes a follower forwards to its leader (Fabric's SubmitRequest to
   * the leader): the leader's block cutter batches them. Not Raft PROP
   * messages: one Raft entry is one block, cut and built by the leader.
   */
  forward(to: NodeId, envelopes: readonly Uint8Array[]): void;
}

/**
 * The leader's side of block making (the orderer's BlockCreator): each cut
 * batch becomes the next block, chained to the last block built (blocks are
 * built ahead of commit, up to the in-flight bound).
 */
export interface BlockBuilder {
  /**
   * The next block holding `batch` (at least one envelope), as the bytes of
   * its Raft entry. `raftIndex` is the index the entry will have: the
   * leader appends it synchronously at its last index + 1 (an
   * implementation may also seal raft_index at write time instead).
   */
  build(batch: readonly Uint8Array[], raftIndex: number): Uint8Array;
  /** Forgets blocks built and not committed: the next block follows `lastBlock` (the sink's last block). */
  reset(lastBlock: Uint8Array): void;
}

/**
 * Every orderer's side: committed blocks, in chain order (the orderer's
 * BlockWriter and block store). Durability rule: `write` and `catchUp`
 * resolve once the blocks are durable; the applied Raft index of a
 * restarted chain is `lastRaftIndex()`, so nothing is applied twice.
 */
export interface BlockSink {
  /** The last block held (the channel's genesis block at first). */
  lastBlock(): Uint8Array;
  /** The Raft index of the entry that carried the last block (0 for genesis). */
  lastRaftIndex(): number;
  /** Blocks held: the next block's number. */
  height(): number;
  /**
   * Writes the block the committed entry `raftIndex` carried: it comes next
   * in the chain (number and previous hash; the sink asserts it).
   */
  write(block: Uint8Array, raftIndex: number): Promise<void>;
  /**
   * After a Raft snapshot is installed: brings the store up to `block` (the
   * snapshot's data, the last block at `raftIndex`), pulling the blocks in
   * between from other orderers (Fabric's catch-up through Deliver).
   */
  catchUp(block: Uint8Array, raftIndex: number): Promise<void>;
}
