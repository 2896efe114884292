/**
 * The orderer's block store: the chain as the orderer wrote it (signed, no
 * TRANSACTIONS_FILTER), appended in order, read by number, waited on by
 * Deliver. Two implementations pass one compliance suite
 * (test/orderer-block-store.test.ts): `FileOrdererBlockStore` on #3's block
 * files and key-value index, and `MemoryOrdererBlockStore` for simulations.
 *
 * Durability rule: `append` resolves once the block is durable; only then
 * do `height`, `get` and waiters see it. The orderer's applied Raft index is
 * the raft_index of the last stored block, so nothing is applied twice.
 */
import { blockHeaderHash, common, decodeMessage, DecodeError, limits, longToBigInt } from '@alliance/protocol';
import { BlockWaiters } from './block-waiters.js';
import { OrdererBlockStoreError } from './errors.js';

export interface OrdererBlockStore {
  /** Blocks stored: the next block's number. */
  readonly height: number;
  /**
   * Appends the next block (encoded common.Block); resolves once it is durable.
   * One append at a time; a second one waits for the first.
   * @throws OrdererBlockStoreError BLOCK_MALFORMED, BLOCK_NUMBER_MISMATCH,
   *   BLOCK_PREVIOUS_HASH_MISMATCH (nothing stored), STORE_CLOSED; the
   *   implementation's I/O errors, after which every append throws
   *   STORE_FAILED until the store is reopened
   */
  append(block: Uint8Array): Promise<void>;
  /**
   * The encoded block `number`.
   * @throws OrdererBlockStoreError BLOCK_NOT_FOUND (at or past the height), STORE_CLOSED
   */
  get(number: number): Promise<Uint8Array>;
  /**
   * Resolves once the height is at least `height`.
   * @throws OrdererBlockStoreError (rejects) WAIT_ABORTED, WAITERS_FULL, STORE_CLOSED
   */
  waitForHeight(height: number, signal?: AbortSignal): Promise<void>;
  /** Waits for an append in progress, rejects waiters, releases files. Closing twice is harmless. */
  close(): Promise<void>;
}

/** What `checkNextBlock` learned of a block that may come next. */
export interface NextBlock {
  readonly number: number;
  readonly headerHash: Uint8Array;
}

/**
 * Checks that `bytes` is a block that comes after (`height`, `lastHash`).
 * @throws OrdererBlockStoreError BLOCK_MALFORMED, BLOCK_NUMBER_MISMATCH, BLOCK_PREVIOUS_HASH_MISMATCH
 */
export function checkNextBlock(bytes: Uint8Array, height: number, lastHash: Uint8Array): NextBlock {
  let header: common.IBlockHeader | null | undefined;
  try {
    header = decodeMessage(common.Block, bytes, 'common.Block', limits.BLOCK_BYTES_MAX).header;
  } catch (cause) {
    if (!(cause instanceof DecodeError)) throw cause;
    throw new OrdererBlockStoreError('BLOCK_MALFORMED', `the block does not decode: ${cause.message}`, {}, { cause });
  }
  if (!header) throw new OrdererBlockStoreError('BLOCK_MALFORMED', 'the block has no header', {});
  const number = longToBigInt(header.number);
  if (number !== BigInt(height)) {
    throw new OrdererBlockStoreError('BLOCK_NUMBER_MISMATCH', `block ${number} offered at height ${height}`, { number: String(number), expected: height });
  }
  if (!Buffer.from(header.previousHash ?? []).equals(lastHash)) {
    throw new OrdererBlockStoreError('BLOCK_PREVIOUS_HASH_MISMATCH', `block ${number} does not chain to block ${height - 1}`, { number: height });
  }
  return { number: height, headerHash: blockHeaderHash(header) };
}

/** Refuses a number the store does not hold. */
export function notFound(number: number, height: number): OrdererBlockStoreError {
  return new OrdererBlockStoreError('BLOCK_NOT_FOUND', `block ${number} is not stored (height ${height})`, { number, height });
}

export function storeClosed(): OrdererBlockStoreError {
  return new OrdererBlockStoreError('STORE_CLOSED', 'the block store is closed', {});
}

/** Blocks in memory (simulations, tests): the same checks and waits as the file store, no disk. */
export class MemoryOrdererBlockStore implements OrdererBlockStore {
  readonly #blocks: Uint8Array[] = [];
  readonly #waiters = new BlockWaiters(0);
  #lastHash: Uint8Array = new Uint8Array(0);
  #closed = false;

  get height(): number {
    return this.#blocks.length;
  }

  async append(block: Uint8Array): Promise<void> {
    if (this.#closed) throw storeClosed();
    const next = checkNextBlock(block, this.#blocks.length, this.#lastHash);
    this.#blocks.push(block);
    this.#lastHash = next.headerHash;
    this.#waiters.reached(this.#blocks.length);
  }

  async get(number: number): Promise<Uint8Array> {
    if (this.#closed) throw storeClosed();
    const block = Number.isSafeInteger(number) && number >= 0 ? this.#blocks[number] : undefined;
    if (!block) throw notFound(number, this.#blocks.length);
    return block;
  }

  waitForHeight(height: number, signal?: AbortSignal): Promise<void> {
    return this.#waiters.wait(height, signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#waiters.close();
  }
}
