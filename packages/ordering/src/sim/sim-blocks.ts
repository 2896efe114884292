/**
 * Blocks as the simulation makes them: a small self-describing format
 * (number, raft index, previous hash, envelopes) with a non-cryptographic
 * 64-bit hash, a `BlockBuilder` and a durable-in-memory `BlockSink` that
 * asserts the chain (number and previous hash) on every write and catches
 * up after a snapshot by pulling blocks from other orderers. Pure: no I/O.
 * Stands in for the orderer's BlockCreator, BlockWriter and block store
 * (src/orderer/) in chain tests and the cluster simulation.
 */
import type { BlockBuilder, BlockSink } from '../chain/types.js';
import { simAssert } from './assert.js';

const MAGIC = 0x53424c4b; // 'SBLK'
const HEADER_BYTES = 4 + 4 + 4 + 8 + 4;

export interface SimBlock {
  readonly number: number;
  readonly raftIndex: number;
  readonly previousHash: Uint8Array;
  readonly envelopes: readonly Uint8Array[];
}

/** FNV-1a over two lanes: 8 bytes. A simulation's fingerprint, not a cryptographic hash. */
export function simHash(bytes: Uint8Array): Uint8Array {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes[i]!;
    a = Math.imul(a ^ x, 0x01000193) >>> 0;
    b = Math.imul(b ^ x ^ (a >>> 24), 0x5bd1e995) >>> 0;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, a);
  new DataView(out.buffer).setUint32(4, b);
  return out;
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const x of bytes) s += x.toString(16).padStart(2, '0');
  return s;
}

export function encodeSimBlock(b: SimBlock): Uint8Array {
  const size = HEADER_BYTES + b.envelopes.reduce((n, e) => n + 4 + e.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC);
  v.setUint32(4, b.number);
  v.setUint32(8, b.raftIndex);
  out.set(b.previousHash, 12);
  v.setUint32(20, b.envelopes.length);
  let p = HEADER_BYTES;
  for (const e of b.envelopes) {
    v.setUint32(p, e.length);
    out.set(e, p + 4);
    p += 4 + e.length;
  }
  return out;
}

/** @throws Error (assertion) when `bytes` is not a sim block: the simulation only ever hands its own blocks around */
export function decodeSimBlock(bytes: Uint8Array): SimBlock {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  simAssert(bytes.length >= HEADER_BYTES && v.getUint32(0) === MAGIC, 'a sim block');
  const count = v.getUint32(20);
  const envelopes: Uint8Array[] = [];
  let p = HEADER_BYTES;
  for (let k = 0; k < count; k++) {
    simAssert(p + 4 <= bytes.length, 'an envelope length');
    const len = v.getUint32(p);
    simAssert(p + 4 + len <= bytes.length, 'an envelope');
    envelopes.push(bytes.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  simAssert(p === bytes.length, 'nothing after the envelopes');
  return { number: v.getUint32(4), raftIndex: v.getUint32(8), previousHash: bytes.subarray(12, 20), envelopes };
}

/** The channel's first block: carried by no Raft entry. */
export const SIM_GENESIS_BLOCK = encodeSimBlock({ number: 0, raftIndex: 0, previousHash: new Uint8Array(8), envelopes: [new TextEncoder().encode('genesis')] });

/** The leader's block maker: each batch becomes the block after the last one built. */
export class SimBlockBuilder implements BlockBuilder {
  #number = 1;
  #previousHash = simHash(SIM_GENESIS_BLOCK);

  build(batch: readonly Uint8Array[], raftIndex: number): Uint8Array {
    simAssert(batch.length > 0, 'a block holds an envelope');
    const block = encodeSimBlock({ number: this.#number, raftIndex, previousHash: this.#previousHash, envelopes: batch });
    this.#number++;
    this.#previousHash = simHash(block);
    return block;
  }

  reset(lastBlock: Uint8Array): void {
    this.#number = decodeSimBlock(lastBlock).number + 1;
    this.#previousHash = simHash(lastBlock);
  }
}

/** Where a catching-up sink pulls blocks from (Deliver from another orderer): the block `number`, or undefined. */
export type BlockSource = (number: number) => Uint8Array | undefined;

/**
 * One orderer's block store in memory. It survives crashes of its node (a
 * block store is durable once `write` resolves); `onWrite` lets checkers see
 * every block as it lands.
 */
export class SimBlockSink implements BlockSink {
  readonly blocks: Uint8Array[] = [SIM_GENESIS_BLOCK];
  readonly #raftIndexes: number[] = [0];
  #lastHash = simHash(SIM_GENESIS_BLOCK);

  constructor(readonly source: BlockSource = () => undefined, public onWrite?: (number: number, block: Uint8Array) => void) {}

  lastBlock(): Uint8Array {
    return this.blocks.at(-1)!;
  }

  lastRaftIndex(): number {
    return this.#raftIndexes.at(-1)!;
  }

  height(): number {
    return this.blocks.length;
  }

  write(block: Uint8Array, raftIndex: number): Promise<void> {
    this.#append(block, raftIndex);
    return Promise.resolve();
  }

  catchUp(block: Uint8Array, raftIndex: number): Promise<void> {
    const target = decodeSimBlock(block);
    simAssert(target.raftIndex === raftIndex, `the snapshot's block ${target.number} was carried by raft index ${raftIndex}`);
    for (let n = this.height(); n < target.number; n++) {
      const pulled = this.source(n);
      simAssert(pulled !== undefined, `block ${n} can be pulled from another orderer`);
      this.#append(pulled, decodeSimBlock(pulled).raftIndex);
    }
    if (this.height() === target.number) this.#append(block, raftIndex);
    return Promise.resolve();
  }

  #append(block: Uint8Array, raftIndex: number): void {
    const b = decodeSimBlock(block);
    simAssert(b.number === this.height(), `block ${b.number} is written at height ${this.height()}`);
    simAssert(hex(b.previousHash) === hex(this.#lastHash), `block ${b.number} chains to block ${b.number - 1}`);
    simAssert(b.raftIndex === raftIndex && raftIndex > this.lastRaftIndex(), `block ${b.number} carries raft index ${raftIndex}, above ${this.lastRaftIndex()}`);
    this.blocks.push(block);
    this.#raftIndexes.push(raftIndex);
    this.#lastHash = simHash(block);
    this.onWrite?.(b.number, block);
  }
}
