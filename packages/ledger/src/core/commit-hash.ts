/**
 * Fabric's COMMIT_HASH block metadata (kvledger/kv_ledger.go,
 * addBlockCommitHash): a hash chain over what each block did to state, so
 * two peers that agree on it agree on every validation code and every state
 * update so far.
 *
 *   commitHash(N) = SHA-256( varint(len(filter)) ‖ filter ‖ updateBatchBytes(N) ‖ commitHash(N-1) )
 *
 * where filter is the block's TRANSACTIONS_FILTER (one validation code byte
 * per transaction) after validation, and varint is protobuf's unsigned
 * varint. Fabric computes it from block 1 on: the genesis block has none,
 * block 1 chains onto nothing (an empty previous hash), and a later block
 * gets one only when its predecessor had one (a ledger that started without
 * commit hashes never grows them).
 */
import { common, decodeMessage } from '@alliance/protocol';
import type { HashFunction } from './merkle.js';

export interface CommitHashInput {
  /** The block's TRANSACTIONS_FILTER after validation. */
  readonly filter: Uint8Array;
  /** `updateBatchBytes` of the block's state updates. */
  readonly updateBatchBytes: Uint8Array;
  /** The previous block's commit hash; empty for block 1. */
  readonly previousCommitHash: Uint8Array;
  /** SHA-256. */
  readonly hash: HashFunction;
}

/**
 * Whether block `blockNum` carries a commit hash, given its predecessor's
 * (empty when the predecessor has none): Fabric's
 * `block.Header.Number == 1 || len(l.commitHash) != 0`, never for block 0.
 */
export function hasCommitHash(blockNum: number, previousCommitHash: Uint8Array): boolean {
  return blockNum === 1 || (blockNum > 1 && previousCommitHash.length > 0);
}

function varint(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** The block's commit hash (see the formula above). */
export function computeCommitHash(input: CommitHashInput): Uint8Array {
  const prefix = varint(input.filter.length);
  const data = new Uint8Array(prefix.length + input.filter.length + input.updateBatchBytes.length + input.previousCommitHash.length);
  let offset = 0;
  data.set(prefix, offset);
  offset += prefix.length;
  data.set(input.filter, offset);
  offset += input.filter.length;
  data.set(input.updateBatchBytes, offset);
  offset += input.updateBatchBytes.length;
  data.set(input.previousCommitHash, offset);
  return input.hash(data);
}

/**
 * The commit hash of block `blockNum`, or null when Fabric gives the block
 * none (the genesis block; a block whose predecessor has none).
 */
export function blockCommitHash(input: CommitHashInput & { readonly blockNum: number }): Uint8Array | null {
  return hasCommitHash(input.blockNum, input.previousCommitHash) ? computeCommitHash(input) : null;
}

/** The block.metadata[COMMIT_HASH] entry: an encoded common.Metadata whose value is the commit hash. */
export function commitHashMetadata(commitHash: Uint8Array): Uint8Array {
  return common.Metadata.encode({ value: commitHash }).finish();
}

/**
 * The commit hash held in a block's COMMIT_HASH metadata entry (Fabric's
 * lastPersistedCommitHash reads it back on restart); empty when the entry
 * is empty or absent.
 * @throws DecodeError MALFORMED_MESSAGE when the entry is not a common.Metadata
 */
export function commitHashFromMetadata(entry: Uint8Array | undefined): Uint8Array {
  if (entry === undefined || entry.length === 0) return new Uint8Array(0);
  const value = decodeMessage(common.Metadata, entry, 'common.Metadata').value;
  // A view into `entry`, typed as a plain Uint8Array (protobufjs hands out Buffers under Node).
  return new Uint8Array(value.buffer, value.byteOffset, value.length);
}
