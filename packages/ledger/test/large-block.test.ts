/**
 * Sizes at the edge of what a block may carry: one transaction writing more
 * keys to one namespace than a JavaScript call may take arguments (a
 * `push(...spread)` of them overflowed the stack and wedged the ledger), and
 * the endorser's duplicate check that answers without an error per miss.
 */
import { describe, expect, it } from 'vitest';
import { protos } from '@alliance/protocol';
import { Ledger } from '../src/ledger.js';
import { MemoryKvStore } from '../src/store/memory-kv-store.js';
import { MemoryBlockFileStore } from '../src/store/memory-block-file-store.js';
import { TestChannel } from '../src/testing/index.js';

describe('large blocks', () => {
  it('commits a transaction of 150,000 writes to one namespace, then the next block', async () => {
    const ch = TestChannel.create();
    const ledger = await Ledger.open({ kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0 });
    try {
      await ledger.commitBlock(ch.genesisBlock());
      const writes = Array.from({ length: 150_000 }, (_, i) => [`k${i}`, 'v'] as const);
      const big = ch.tx({ writes });
      expect((await ledger.commitBlock(ch.block([big.envelope]))).codes).toEqual([protos.TxValidationCode.VALID]);
      expect((await ledger.getState('basic', 'k149999'))?.version).toEqual({ blockNum: 1, txNum: 0 });
      const next = ch.tx({ reads: [['k0', [1, 0]]], writes: [['k0', 'w']] });
      expect((await ledger.commitBlock(ch.block([next.envelope]))).codes).toEqual([protos.TxValidationCode.VALID]);
      expect(await ledger.hasTransaction(big.txId)).toBe(true);
      expect(await ledger.hasTransaction('0'.repeat(64))).toBe(false);
      expect(await ledger.hasTransactions([big.txId, '0'.repeat(64), next.txId])).toEqual([true, false, true]);
    } finally {
      await ledger.close();
    }
  }, 60_000);
});
