/**
 * Fabric's RangeQueryResultsHelper (rwsetutil/query_results_helper.go): the
 * results of a range read fed one by one, kept as raw reads while they are
 * few, folded into a Merkle summary when they are many. The simulator uses
 * it to record a range read; the validator uses it to recompute a summary
 * over the re-run range. Both must build the very same tree, so the rules
 * and the leaf bytes follow Fabric exactly:
 *
 * - results collect in a pending list; when it holds maxDegree + 1 of them,
 *   the leaf = hash(proto encoding of kvrwset.QueryReads{kv_reads: pending})
 *   is added at level 1 and the list is emptied;
 * - whenever a level holds more than maxDegree hashes, they are hashed
 *   together (concatenated) into one node of the level above and the level
 *   is emptied;
 * - `done` hashes what is pending into a last leaf, then carries every
 *   lower level up to the highest one (a single hash moves up as it is,
 *   several are combined), and combines the top level once more if it holds
 *   more than maxDegree hashes.
 *
 * With at most maxDegree results nothing is ever hashed and the raw reads
 * are the outcome.
 */
import { kvrwset } from '@alliance/protocol';
import { MERKLE_MAX_DEGREE_MAX, MERKLE_MAX_DEGREE_MIN } from '../constants.js';
import { assert } from './assert.js';
import type { KvRead, MerkleSummary } from './rwset.js';

/** SHA-256 in Fabric; injected so the core stays pure (the shell passes node:crypto's). */
export type HashFunction = (data: Uint8Array) => Uint8Array;

/** What a range read records: its raw reads, or a Merkle summary of them (the two fields of RangeQuery). */
export type RangeQueryReads =
  | { readonly rawReads: readonly KvRead[]; readonly merkle?: undefined }
  | { readonly merkle: MerkleSummary; readonly rawReads?: undefined };

export interface RangeQueryResultsHelperOptions {
  /** Fabric's simulator always hashes; without hashing every result stays raw. */
  readonly hashing: boolean;
  /** Children per node, MERKLE_MAX_DEGREE_MIN..MERKLE_MAX_DEGREE_MAX; ignored without hashing. */
  readonly maxDegree: number;
  readonly hash: HashFunction;
}

/** Whether `maxDegree` is one Fabric builds a tree with (an integer ≥ 2 that fits a uint32). */
export function isValidMaxDegree(maxDegree: number): boolean {
  return Number.isInteger(maxDegree) && maxDegree >= MERKLE_MAX_DEGREE_MIN && maxDegree <= MERKLE_MAX_DEGREE_MAX;
}

/** The encoded kvrwset.QueryReads that is one leaf, byte for byte what Go's proto.Marshal writes. */
export function encodeQueryReads(reads: readonly KvRead[]): Uint8Array {
  // Go omits an empty key and zero block/tx numbers, but writes a present
  // Version even when both are zero (a non-nil message); protobufjs does the
  // same as long as an absent version is left unset rather than zeroed.
  const kvReads = reads.map((r) =>
    r.version === null ? { key: r.key } : { key: r.key, version: { blockNum: r.version.blockNum, txNum: r.version.txNum } });
  return kvrwset.QueryReads.encode({ kvReads }).finish();
}

function concat(hashes: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const h of hashes) length += h.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const h of hashes) {
    out.set(h, offset);
    offset += h.length;
  }
  return out;
}

/**
 * Feeds range results one at a time (`addResult`), then `done` gives the raw
 * reads or the summary. One helper serves one range read.
 */
export class RangeQueryResultsHelper {
  private readonly hashing: boolean;
  private readonly maxDegree: number;
  private readonly hash: HashFunction;
  private pending: KvRead[] = [];
  // levels[i] holds the hashes of tree level i + 1 not yet folded upwards.
  private readonly levels: Uint8Array[][] = [[]];
  private maxLevelNow = 1;
  private finished = false;

  /**
   * @throws RangeError when hashing and maxDegree is not an integer in
   *   [MERKLE_MAX_DEGREE_MIN, MERKLE_MAX_DEGREE_MAX] (Fabric: "maxDegree should not be less than 2")
   */
  constructor(options: RangeQueryResultsHelperOptions) {
    if (options.hashing && !isValidMaxDegree(options.maxDegree)) {
      throw new RangeError(`maxDegree ${options.maxDegree} is not an integer in [${MERKLE_MAX_DEGREE_MIN}, ${MERKLE_MAX_DEGREE_MAX}]`);
    }
    this.hashing = options.hashing;
    this.maxDegree = options.maxDegree;
    this.hash = options.hash;
  }

  /**
   * Adds the next result of the range, in key order.
   * @throws Error (assertion) after `done`, a bug
   */
  addResult(read: KvRead): void {
    assert(!this.finished, 'addResult after done');
    this.pending.push(read);
    if (this.hashing && this.pending.length > this.maxDegree) this.hashPending();
  }

  /**
   * Finishes the range: the raw reads when nothing was hashed (hashing off,
   * or at most maxDegree results, none included), else the Merkle summary.
   * @throws Error (assertion) when called twice, a bug
   */
  done(): RangeQueryReads {
    assert(!this.finished, 'done called twice');
    this.finished = true;
    if (!this.hashing || this.isEmpty()) return { rawReads: this.pending };
    if (this.pending.length > 0) this.hashPending();
    this.completeTree();
    return { merkle: this.merkleSummaryNow() };
  }

  /**
   * The summary as it stands (Fabric's GetMerkleSummary), null without
   * hashing. The hashes are a copy; the validator compares the live level
   * through `maxLevel` and `maxLevelHashes` instead.
   */
  merkleSummary(): MerkleSummary | null {
    return this.hashing ? this.merkleSummaryNow() : null;
  }

  /** The highest level built so far (1 before any leaf). */
  get maxLevel(): number {
    return this.maxLevelNow;
  }

  /** The hashes at the highest level so far, live: they change with the next `addResult`. */
  get maxLevelHashes(): readonly Uint8Array[] {
    return this.level(this.maxLevelNow);
  }

  private merkleSummaryNow(): MerkleSummary {
    return { maxDegree: this.maxDegree, maxLevel: this.maxLevelNow, maxLevelHashes: this.level(this.maxLevelNow).slice() };
  }

  private level(n: number): Uint8Array[] {
    let hashes = this.levels[n - 1];
    if (hashes === undefined) {
      hashes = [];
      this.levels[n - 1] = hashes;
    }
    return hashes;
  }

  private isEmpty(): boolean {
    return this.maxLevelNow === 1 && this.level(1).length === 0;
  }

  private hashPending(): void {
    const leaf = this.hash(encodeQueryReads(this.pending));
    this.pending = [];
    this.addLeaf(leaf);
  }

  // Fabric's merkleTree.update: add the leaf, then fold every level that
  // overflows into one node of the level above.
  private addLeaf(leaf: Uint8Array): void {
    this.level(1).push(leaf);
    for (let current = 1; ; current++) {
      const hashes = this.level(current);
      if (hashes.length <= this.maxDegree) return;
      const combined = this.hash(concat(hashes));
      this.levels[current - 1] = [];
      this.level(current + 1).push(combined);
      if (current + 1 > this.maxLevelNow) this.maxLevelNow = current + 1;
    }
  }

  // Fabric's merkleTree.done.
  private completeTree(): void {
    for (let current = 1; current < this.maxLevelNow; current++) {
      const hashes = this.level(current);
      if (hashes.length === 0) continue;
      const carried = hashes.length === 1 ? hashes[0]! : this.hash(concat(hashes));
      this.levels[current - 1] = [];
      this.level(current + 1).push(carried);
    }
    const top = this.level(this.maxLevelNow);
    if (top.length > this.maxDegree) {
      const combined = this.hash(concat(top));
      this.levels[this.maxLevelNow - 1] = [];
      this.maxLevelNow++;
      this.levels[this.maxLevelNow - 1] = [combined];
    }
  }
}
