/**
 * Bringing a ledger's files and index into agreement when it opens. The
 * commit writes a block to the block files (fsynced) before the index
 * batch, so after a crash the files may hold blocks the index does not know
 * (durable, never acknowledged) and, at their very end, a torn record. Each
 * complete block after the savepoint is re-applied from the file — its
 * codes are in its TRANSACTIONS_FILTER, so nothing is re-validated, only
 * re-derived and checked against its COMMIT_HASH — and a torn tail is cut.
 */
import { common, protos, blockMetadataSlots, getTransactionsFilter } from '@alliance/protocol';
import { channelConfigOfEnvelope, type LedgerChannelConfig } from './channel-config.js';
import { blockEffects, commitBatch } from './commit/apply-block.js';
import { encodeBlockWithSpans } from './commit/block-encoding.js';
import { commitHashFromMetadata } from './core/commit-hash.js';
import { LedgerError } from './errors.js';
import type { BlockFileStore } from './store/block-files.js';
import type { KvStore } from './store/kv-store.js';
import { SAVEPOINT_KEY, blockKey, txKey } from './store/layout.js';
import { decodeBlockRecord, decodeSavepoint, type FilePosition, type Savepoint } from './store/records.js';
import { prepareBlock, type PreparedBlock } from './validate/prepare-block.js';
import { blockTimeOf } from './block-time.js';

const { TxValidationCode } = protos;

/** The savepoint of an empty ledger. */
export function initialSavepoint(fileStart: FilePosition): Savepoint {
  return { height: 0, headerHash: new Uint8Array(0), commitHash: new Uint8Array(0), fileEnd: fileStart, lastConfigBlock: 0, blockTimeMs: 0 };
}

/** The stored savepoint, or undefined for a ledger that never committed. */
export async function readSavepoint(kv: KvStore): Promise<Savepoint | undefined> {
  const v = await kv.get(SAVEPOINT_KEY);
  return v ? decodeSavepoint(v) : undefined;
}

function corrupt(message: string, details: Record<string, unknown>): LedgerError {
  return new LedgerError('LEDGER_CORRUPT', message, details);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** The channel configuration in force at `savepoint` (read from its latest config block). */
export async function configAt(kv: KvStore, files: BlockFileStore, savepoint: Savepoint): Promise<LedgerChannelConfig> {
  const v = await kv.get(blockKey(savepoint.lastConfigBlock));
  if (!v) throw corrupt(`the latest config block ${savepoint.lastConfigBlock} is not indexed`, { blockNum: savepoint.lastConfigBlock });
  const record = decodeBlockRecord(v);
  const span = record.txSpans[0];
  if (!span) throw corrupt(`config block ${savepoint.lastConfigBlock} holds no transaction`, {});
  return channelConfigOfEnvelope(await files.read({ file: record.file, offset: record.offset + span[0], length: span[1] }));
}

/**
 * Applies a block whose bytes (with filter and commit hash) are already
 * durable at `at`: derives its state updates from its codes, checks them
 * and its commit hash, writes the index batch. Returns the new savepoint.
 * @throws LedgerError LEDGER_CORRUPT when the block does not chain or does not reproduce its own codes and commit hash
 */
export async function applyDurableBlock(
  kv: KvStore, bytes: Uint8Array, at: FilePosition & { length: number }, fileEnd: FilePosition, savepoint: Savepoint, channelId: string,
): Promise<{ savepoint: Savepoint; block: PreparedBlock }> {
  let block: PreparedBlock;
  try {
    block = prepareBlock(bytes, channelId);
  } catch (cause) {
    throw new LedgerError('LEDGER_CORRUPT', `a durable block at ${at.file}:${at.offset} does not decode`, { ...at }, { cause });
  }
  const n = block.number;
  if (n !== savepoint.height) throw corrupt(`the block files hold block ${n} where block ${savepoint.height} belongs`, { number: n, expected: savepoint.height });
  if (!bytesEqual(block.parsed.previousHash, savepoint.headerHash)) throw corrupt(`durable block ${n} does not chain to block ${n - 1}`, { number: n });
  const filter = getTransactionsFilter(block.parsed.block) ?? new Uint8Array(0);
  if (filter.length !== block.txs.length) throw corrupt(`durable block ${n} has no complete TRANSACTIONS_FILTER`, { number: n });
  const codes = [...filter];
  const reasons = codes.map((c) => (c === TxValidationCode.VALID ? '' : `${TxValidationCode[c] ?? c} (re-applied after a restart; the original reason was not recorded)`));
  const effects = await blockEffects(kv, block, codes, reasons, savepoint.commitHash);
  if (effects.codes.some((c, i) => c !== codes[i])) throw corrupt(`durable block ${n} does not reproduce its own validation codes`, { number: n });
  const stored = commitHashFromMetadata(blockMetadataSlots(block.parsed.block)[common.BlockMetadataIndex.COMMIT_HASH]);
  if (!bytesEqual(stored, effects.commitHash)) throw corrupt(`durable block ${n} does not reproduce its commit hash`, { number: n });
  const encoded = encodeBlockWithSpans(block.parsed.block.header!, block.parsed.envelopes, blockMetadataSlots(block.parsed.block));
  if (encoded.bytes.length !== bytes.length) throw corrupt(`durable block ${n} is not in canonical form`, { number: n });
  const ids = block.txs.filter((t) => t.txId !== '').map((t) => t.txId);
  const present = await kv.getMany(ids.map(txKey));
  const onLedger = new Set(ids.filter((_, i) => present[i] !== undefined));
  const configTx = block.txs.find((t) => t.type === common.HeaderType.CONFIG && effects.codes[t.index] === TxValidationCode.VALID);
  const next: Savepoint = {
    height: n + 1, headerHash: block.parsed.headerHash, commitHash: effects.commitHash, fileEnd,
    lastConfigBlock: configTx ? n : savepoint.lastConfigBlock, blockTimeMs: blockTimeOf(block, effects.codes, savepoint.blockTimeMs),
  };
  const batch = commitBatch(block, effects, { file: at.file, offset: at.offset, length: at.length, txSpans: encoded.txSpans, fileEnd }, onLedger, next);
  await kv.write(batch, { sync: true });
  return { savepoint: next, block };
}

/**
 * Reconciles files and index (see the file comment); returns the savepoint
 * the ledger resumes from.
 * @throws LedgerError LEDGER_CORRUPT
 */
export async function recoverLedger(kv: KvStore, files: BlockFileStore): Promise<Savepoint> {
  let savepoint = (await readSavepoint(kv)) ?? initialSavepoint(files.start());
  const end = files.end();
  if (end.file < savepoint.fileEnd.file || (end.file === savepoint.fileEnd.file && end.offset < savepoint.fileEnd.offset)) {
    throw corrupt('the index records blocks the block files do not hold', { indexed: savepoint.fileEnd, files: end });
  }
  let channelId = savepoint.height > 0 ? (await configAt(kv, files, savepoint)).channelId : undefined;
  for await (const item of files.scan(savepoint.fileEnd)) {
    if ('torn' in item) {
      await files.truncate(item.torn);
      break;
    }
    if (channelId === undefined) channelId = channelConfigOfEnvelope(firstEnvelope(item.payload)).channelId;
    const applied = await applyDurableBlock(kv, item.payload, item.span, item.next, savepoint, channelId);
    savepoint = applied.savepoint;
    if (applied.savepoint.lastConfigBlock === applied.block.number && applied.block.number > 0) {
      channelId = (await configAt(kv, files, savepoint)).channelId;
    }
  }
  return savepoint;
}

function firstEnvelope(blockBytes: Uint8Array): Uint8Array {
  const block = common.Block.decode(blockBytes);
  const first = block.data?.data?.[0];
  if (!first) throw corrupt('the genesis block holds no transaction', {});
  return first;
}
