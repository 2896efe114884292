/**
 * The orderer's parts together, with a one-node chain standing in for Raft:
 * Broadcast checks envelopes, the block cutter batches them, the leader's
 * BlockCreator and every node's BlockWriter make signed blocks (a config
 * update among them), the file block store keeps them, and a peer pulls
 * them through Deliver into the ledger, where every transaction is VALID.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, channelConfigOfEnvelope } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { common, orderer, protos } from '@alliance/protocol';
import {
  BlockCreator, BlockCutter, BlockWriter, BroadcastHandler, DeliverHandler, FileOrdererBlockStore, buildConfigUpdateEnvelope, chainTipAfter,
  isConfigBlock, raftIndexOf, type OrdererChannel, type OrderingChain, type OrderOptions,
} from '../src/index.js';
import { channelConfigBytes, genesis, oldest, seekRequest, specified, tempDir } from './orderer-fixture.js';
import type { LedgerChannelConfig } from '@alliance/ledger';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A single orderer ordering for itself: cut, create, seal, store; Raft indexes counted here. */
class OneNodeChain implements OrderingChain, OrdererChannel {
  readonly cutter = new BlockCutter({ messagesMax: 3, absoluteBytesMax: 1 << 20, preferredBytesMax: 1 << 19, timeoutMs: 1000 });
  readonly creator: BlockCreator;
  readonly writer: BlockWriter;
  readonly chain = this;
  #raftIndex = 0n;
  #waiting: ((n: number) => void)[] = [];
  // Blocks are made one batch after another, as Raft entries apply in order.
  #tail: Promise<void> = Promise.resolve();

  constructor(public config: LedgerChannelConfig, readonly store: FileOrdererBlockStore, genesisBlock: Uint8Array, signer: TestChannel['orderer']) {
    const tip = chainTipAfter(common.Block.decode(genesisBlock));
    this.creator = new BlockCreator(tip);
    this.writer = new BlockWriter(signer, tip);
  }

  order(envelope: Uint8Array, options: OrderOptions): Promise<{ blockNumber: number }> {
    const { batches } = options.isConfig ? this.cutter.orderedConfig(envelope) : this.cutter.ordered(envelope);
    const committed = new Promise<{ blockNumber: number }>((resolve) => this.#waiting.push((blockNumber) => resolve({ blockNumber })));
    options.accepted?.();
    return this.#commit(batches).then(() => committed);
  }

  #commit(batches: Uint8Array[][]): Promise<void> {
    this.#tail = this.#tail.then(() => this.#commitNow(batches));
    return this.#tail;
  }

  /** BatchTimeout: cut what is pending. */
  async flush(): Promise<void> {
    await this.#commit([this.cutter.cut()].filter((b) => b.length > 0));
  }

  async #commitNow(batches: Uint8Array[][]): Promise<void> {
    for (const batch of batches) {
      const block = this.creator.createNextBlock(batch);
      const number = this.creator.nextNumber - 1n;
      const bytes = this.writer.writeBlock(block, { raftIndex: ++this.#raftIndex });
      await this.store.append(bytes);
      if (isConfigBlock(block)) this.config = channelConfigOfEnvelope(block.data!.data![0]!);
      for (const w of this.#waiting.splice(0, batch.length)) w(Number(number));
    }
  }
}

describe('Broadcast → cutter → writer → store → Deliver → ledger', () => {
  it('every transaction a client broadcast commits VALID at a peer that pulled the blocks', async () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const store = await FileOrdererBlockStore.open({ dir });
    cleanups.push(() => store.close());
    await store.append(g.block);
    const channel = new OneNodeChain(g.config, store, g.block, tc.orderer);
    const channels = (id: string) => (id === tc.channelId ? channel : undefined);
    const broadcast = new BroadcastHandler({ channels, signer: tc.orderer, nowMs: () => tc.nowMs });
    const deliver = new DeliverHandler({ channels, nowMs: () => tc.nowMs });

    const txs = Array.from({ length: 7 }, (_, i) => tc.tx({ writes: [[`key${i}`, `value${i}`]] }));
    const answers = txs.slice(0, 4).map((t) => broadcast.submit(t.envelope));
    const update = buildConfigUpdateEnvelope({
      channelId: tc.channelId, config: channelConfigBytes(tc, { sequence: 1 }), signers: tc.orgs.map((o) => o.admin),
      submitter: tc.orgs[1]!.admin, timestampMs: tc.nowMs,
    });
    answers.push(broadcast.submit(update));
    answers.push(...txs.slice(4).map((t) => broadcast.submit(t.envelope)));
    await channel.flush();
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(common.Status.SUCCESS));
    // 3 cut by count, 1 cut by the config update, the config alone, 3 by count
    expect(results.map((r) => r.blockNumber)).toEqual([1, 1, 1, 2, 3, 4, 4, 4]);
    expect(channel.config.sequence).toBe(1);
    expect(store.height).toBe(5);

    const { dir: peerDir, cleanup: peerCleanup } = await tempDir();
    cleanups.push(peerCleanup);
    const ledger = await Ledger.open({ dir: peerDir, workers: 0 });
    cleanups.push(() => ledger.close());
    const controller = new AbortController();
    const codes: number[] = [];
    const raftIndexes: bigint[] = [];
    for await (const r of deliver.deliver(seekRequest(tc, { start: oldest, stop: specified(Number.MAX_SAFE_INTEGER), behavior: orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY }), controller.signal)) {
      expect(r.type).toBe('block');
      if (r.type !== 'block') break;
      codes.push(...(await ledger.commitBlock(r.block)).codes);
      raftIndexes.push(raftIndexOf(r.block));
      if (ledger.height === store.height) controller.abort();
    }
    expect(ledger.height).toBe(5);
    expect(codes).toEqual(Array(9).fill(protos.TxValidationCode.VALID));
    expect(raftIndexes).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(ledger.channelConfig?.sequence).toBe(1);
    const committed = await Promise.all(txs.map((t) => ledger.getTransactionById(t.txId)));
    expect(committed.map((t) => [t.blockNum, t.code])).toEqual(results.filter((_, i) => i !== 4).map((r) => [r.blockNumber, protos.TxValidationCode.VALID]));
  });
});
