import { protos } from '@alliance/protocol';
import type { PreparedBlock } from './validate/prepare-block.js';

const { TxValidationCode } = protos;

/**
 * The ledger's clock as its own contents tell it: the latest timestamp of a
 * VALID transaction so far (kept in the savepoint). Valid transactions carry
 * timestamps their endorsers checked against their own clocks, so a client
 * cannot push it ahead: an invalid transaction's timestamp does not count.
 * Monotonic and the same on every peer.
 */
export function blockTimeOf(prepared: PreparedBlock, codes: readonly number[], previousMs: number): number {
  let t = previousMs;
  for (const tx of prepared.txs) if (codes[tx.index] === TxValidationCode.VALID && tx.timestampMs > t) t = tx.timestampMs;
  return t;
}

