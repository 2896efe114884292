/**
 * A real chain for the commit benchmarks, built once outside timing with
 * TestChannel: genuine certificates, signatures and hashes, so the ledger
 * does all its checks. The channel's Endorsement policy is
 * AND('Org1MSP.peer','Org2MSP.peer'); every transaction carries two
 * endorsements (one peer of each org) and a creator signature (Org1 client),
 * so a valid transaction costs the committer three signature checks.
 *
 * Block 1..SEED_BLOCKS write the key space (no reads). Every later block
 * holds BLOCK_TXS transactions that each read READS_PER_TX keys at the exact
 * version an earlier block left them, and write those keys again with
 * VALUE_BYTES-byte values. The keys of one block are distinct, so every
 * transaction is VALID; the next block reads the versions this one wrote
 * (which may still be in the commit pipeline when it is offered).
 */
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';

export const BLOCK_TXS = 500;
export const READS_PER_TX = 4;
export const VALUE_BYTES = 100;
/** Blocks that write the key space before the read-write blocks. */
export const SEED_BLOCKS = 5;
/** Keys each seed transaction writes: SEED_BLOCKS x BLOCK_TXS x this = the key space. */
export const SEED_WRITES_PER_TX = 20;
export const KEY_SPACE = SEED_BLOCKS * BLOCK_TXS * SEED_WRITES_PER_TX;
export const NAMESPACE = 'basic';
const CHAIN_SEED = 3;

/** A built chain: blocks in order, each to be offered once to a fresh ledger. */
export interface CommitChain {
  readonly channel: TestChannel;
  readonly genesis: Uint8Array;
  /** Blocks 1..SEED_BLOCKS: write-only. */
  readonly seed: readonly Uint8Array[];
  /** The read-write blocks that follow, in order. */
  readonly rw: readonly Uint8Array[];
}

const keyName = (k: number): string => `asset-${String(k).padStart(6, '0')}`;

function value(rng: Rng): Uint8Array {
  const v = new Uint8Array(VALUE_BYTES);
  for (let i = 0; i < VALUE_BYTES; i += 4) {
    const x = rngIntBelow(rng, 0x1_0000_0000);
    v[i] = x & 0xff; v[i + 1] = (x >>> 8) & 0xff; v[i + 2] = (x >>> 16) & 0xff; v[i + 3] = x >>> 24;
  }
  return v;
}

/** Builds genesis, SEED_BLOCKS seed blocks and `rwBlocks` read-write blocks (~0.6 s per block on the reference machine). */
export function buildCommitChain(rwBlocks: number): CommitChain {
  const channel = TestChannel.create();
  const rng = createRng(CHAIN_SEED);
  const genesis = channel.genesisBlock();
  // Committed version of every key: block and tx number.
  const versionBlock = new Int32Array(KEY_SPACE);
  const versionTx = new Int32Array(KEY_SPACE);
  const seed: Uint8Array[] = [];
  let blockNum = 1;
  for (let s = 0; s < SEED_BLOCKS; s++, blockNum++) {
    const envelopes: Uint8Array[] = [];
    for (let t = 0; t < BLOCK_TXS; t++) {
      const writes: [string, Uint8Array][] = [];
      for (let w = 0; w < SEED_WRITES_PER_TX; w++) {
        const k = (s * BLOCK_TXS + t) * SEED_WRITES_PER_TX + w;
        writes.push([keyName(k), value(rng)]);
        versionBlock[k] = blockNum;
        versionTx[k] = t;
      }
      envelopes.push(channel.tx({ namespace: NAMESPACE, writes }).envelope);
    }
    seed.push(channel.block(envelopes));
  }
  // A permutation of the key space; each block takes its keys from a fresh partial shuffle.
  const perm = Int32Array.from({ length: KEY_SPACE }, (_, i) => i);
  const rw: Uint8Array[] = [];
  for (let b = 0; b < rwBlocks; b++, blockNum++) {
    const need = BLOCK_TXS * READS_PER_TX;
    for (let i = 0; i < need; i++) {
      const j = i + rngIntBelow(rng, KEY_SPACE - i);
      const x = perm[i]!; perm[i] = perm[j]!; perm[j] = x;
    }
    const envelopes: Uint8Array[] = [];
    for (let t = 0; t < BLOCK_TXS; t++) {
      const keys = Array.from(perm.subarray(t * READS_PER_TX, (t + 1) * READS_PER_TX));
      const reads = keys.map((k) => [keyName(k), [versionBlock[k]!, versionTx[k]!]] as const);
      const writes = keys.map((k) => [keyName(k), value(rng)] as const);
      envelopes.push(channel.tx({ namespace: NAMESPACE, reads, writes }).envelope);
      for (const k of keys) {
        versionBlock[k] = blockNum;
        versionTx[k] = t;
      }
    }
    rw.push(channel.block(envelopes));
  }
  return { channel, genesis, seed, rw };
}
