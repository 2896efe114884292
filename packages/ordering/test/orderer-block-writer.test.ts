/**
 * Blocks built by the orderer's BlockCreator and sealed by its BlockWriter
 * commit in the ledger (#3) as a peer commits them: the orderer signature
 * satisfies BlockValidation, the chain links, transactions are VALID, and a
 * config block changes the configuration and becomes the last config.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { common, lastConfigIndex, parseOrdererMetadata, protos, blockSignaturesSignedData, longToBigInt } from '@alliance/protocol';
import { BlockCreator, BlockWriter, chainTipAfter, isConfigBlock, raftIndexOf } from '../src/index.js';
import { ChainBuilder, channelConfigBytes, configEnvelope, genesis, tempDir } from './orderer-fixture.js';

const { TxValidationCode } = protos;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function openLedger(): Promise<Ledger> {
  const { dir, cleanup } = await tempDir();
  const ledger = await Ledger.open({ dir, workers: 0 });
  cleanups.push(async () => { await ledger.close(); await cleanup(); });
  return ledger;
}

describe('BlockWriter', () => {
  it('writes a chain that the ledger commits, a config block included', async () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const chain = new ChainBuilder(tc.orderer, g.block);
    chain.raftIndex = 7n;
    const ledger = await openLedger();
    expect((await ledger.commitBlock(g.block)).codes).toEqual([TxValidationCode.VALID]);

    const tx1 = tc.tx({ writes: [['a', '1']] });
    const tx2 = tc.tx({ writes: [['b', '2']] });
    const b1 = chain.next([tx1.envelope, tx2.envelope]);
    const r1 = await ledger.commitBlock(b1);
    expect(r1).toMatchObject({ blockNum: 1, codes: [TxValidationCode.VALID, TxValidationCode.VALID], txIds: [tx1.txId, tx2.txId] });

    const b2 = chain.next([configEnvelope(tc, channelConfigBytes(tc, { sequence: 1 }))]);
    const r2 = await ledger.commitBlock(b2);
    expect(r2.codes).toEqual([TxValidationCode.VALID]);
    expect(ledger.channelConfig?.sequence).toBe(1);

    const b3 = chain.next([tc.tx({ writes: [['c', '3']] }).envelope]);
    expect((await ledger.commitBlock(b3)).codes).toEqual([TxValidationCode.VALID]);
    expect(ledger.height).toBe(4);

    // raft_index read back: the guard against applying an entry twice
    expect([g.block, b1, b2, b3].map((b) => raftIndexOf(b))).toEqual([0n, 7n, 8n, 9n]);
    // last config: genesis until the config block, then the config block itself
    const decoded = [b1, b2, b3].map((b) => common.Block.decode(b));
    expect(decoded.map((b) => lastConfigIndex(b))).toEqual([0n, 2n, 2n]);
    expect(decoded.map((b) => isConfigBlock(b))).toEqual([false, true, false]);
    // LAST_CONFIG as Fabric 2.5 still writes it, and TRANSACTIONS_FILTER left to the committer
    for (const [i, b] of decoded.entries()) {
      const legacy = common.Metadata.decode(b.metadata!.metadata![common.BlockMetadataIndex.LAST_CONFIG]!);
      expect(longToBigInt(common.LastConfig.decode(legacy.value).index)).toBe(i === 0 ? 0n : 2n);
      expect(b.metadata!.metadata![common.BlockMetadataIndex.TRANSACTIONS_FILTER]).toHaveLength(0);
      const signed = blockSignaturesSignedData(b);
      expect(signed).toHaveLength(1);
      expect(Buffer.from(signed[0]!.identity).equals(tc.orderer.serialized)).toBe(true);
    }
    expect(parseOrdererMetadata(decoded[0]!).signatures).toHaveLength(1);
  });

  it('resumes after a stored block: tip, last config and chaining, committed by the ledger', async () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const chain = new ChainBuilder(tc.orderer, g.block);
    const b1 = chain.next([tc.tx({ writes: [['k', 'v']] }).envelope]);
    const b2 = chain.next([configEnvelope(tc, channelConfigBytes(tc, { sequence: 1 }))]);
    const b3 = chain.next([tc.tx({ writes: [['k2', 'v']] }).envelope]);
    const tip = chainTipAfter(common.Block.decode(b3));
    expect(tip.height).toBe(4n);
    expect(tip.lastConfigIndex).toBe(2n);
    expect(chainTipAfter(common.Block.decode(b2)).lastConfigIndex).toBe(2n);
    expect(chainTipAfter(common.Block.decode(g.block))).toMatchObject({ height: 1n, lastConfigIndex: 0n });
    // a restarted node continues the same chain from its last stored block
    const writer = new BlockWriter(tc.orderer, tip);
    const creator = new BlockCreator(tip);
    const b4 = writer.writeBlock(creator.createNextBlock([tc.tx({ writes: [['k3', 'v']] }).envelope]), { raftIndex: 10n });
    expect(lastConfigIndex(common.Block.decode(b4))).toBe(2n);
    expect(raftIndexOf(b4)).toBe(10n);
    const ledger = await openLedger();
    for (const b of [g.block, b1, b2, b3, b4]) {
      expect((await ledger.commitBlock(b)).codes.every((c) => c === TxValidationCode.VALID)).toBe(true);
    }
    expect(ledger.height).toBe(5);
  });

  it('the creator chains blocks created ahead of commit, and resets to the committed tip', () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const tip = chainTipAfter(common.Block.decode(g.block));
    const creator = new BlockCreator(tip);
    const a = creator.createNextBlock([tc.tx().envelope]);
    const b = creator.createNextBlock([tc.tx().envelope]);
    expect(longToBigInt(b.header!.number)).toBe(2n);
    const writer = new BlockWriter(tc.orderer, tip);
    writer.writeBlock(a, { raftIndex: 1n });
    writer.writeBlock(b, { raftIndex: 2n });
    expect(writer.tip.height).toBe(3n);
    creator.reset(tip);
    expect(creator.nextNumber).toBe(1n);
    // a block that does not come next is a bug of the caller, asserted
    expect(() => writer.writeBlock(creator.createNextBlock([tc.tx().envelope]), { raftIndex: 3n })).toThrow(/assertion failed/);
  });

  it('a block signed by an identity outside BlockValidation is refused by the ledger', async () => {
    const tc = TestChannel.create();
    const g = genesis(tc);
    const chain = new ChainBuilder(tc.orgs[0]!.peer, g.block);
    const ledger = await openLedger();
    await ledger.commitBlock(g.block);
    await expect(ledger.commitBlock(chain.next([tc.tx().envelope]))).rejects.toMatchObject({ code: 'BLOCK_SIGNATURE_INVALID' });
  });
});
