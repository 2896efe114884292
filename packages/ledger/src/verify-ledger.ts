/**
 * The ledger's integrity check (`alliance ledger verify`): walks the chain
 * from the genesis block — header hashes, previous-hash links, data hashes,
 * orderer signatures against the BlockValidation policy in force, commit
 * hashes — while replaying every block into a fresh in-memory store, then
 * compares the replayed state, history and transaction index with the ones
 * on disk. Reports the first divergence precisely; changes nothing.
 */
import path from 'node:path';
import { blockSignaturesSignedData, DecodeError, evaluateSignedData, MspRegistry, parseBlock } from '@alliance/protocol';
import { channelConfigOfEnvelope, channelPolicy, type LedgerChannelConfig } from './channel-config.js';
import { LedgerError } from './errors.js';
import { ignoreExpiry } from './block-signers.js';
import { applyDurableBlock, initialSavepoint, readSavepoint } from './recovery.js';
import { FsBlockFileStore, type BlockFileStore } from './store/block-files.js';
import type { KvReader, KvStore } from './store/kv-store.js';
import { LevelKvStore } from './store/level-kv-store.js';
import { MemoryKvStore } from './store/memory-kv-store.js';
import { PREFIX_HISTORY, PREFIX_STATE, PREFIX_TX, blockKey } from './store/layout.js';
import { decodeBlockRecord, type Savepoint } from './store/records.js';

/** What verification found. */
export interface LedgerVerification {
  readonly ok: boolean;
  /** Blocks walked. */
  readonly height: number;
  /** The first problem, when there is one. */
  readonly divergence?: {
    /** The block where the chain check failed, if it is a chain fault. */
    readonly blockNum?: number;
    readonly what: string;
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

const hex = (b: Uint8Array, max = 80): string => Buffer.from(b).toString('hex').slice(0, max);

/** Compares one keyspace of two stores; the first difference, or undefined. */
async function compareKeyspace(prefix: number, name: string, expected: KvReader, actual: KvReader): Promise<string | undefined> {
  const range = { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
  const a = expected.iterate(range)[Symbol.asyncIterator]();
  const b = actual.iterate(range)[Symbol.asyncIterator]();
  for (let i = 0; ; i++) {
    const [x, y] = await Promise.all([a.next(), b.next()]);
    if (x.done && y.done) return undefined;
    if (x.done) return `${name}: the store has an extra entry ${hex(y.value![0])}`;
    if (y.done) return `${name}: the store lacks entry ${hex(x.value[0])}`;
    const [xk, xv] = x.value;
    const [yk, yv] = y.value;
    if (!equal(xk, yk)) return `${name}: entry ${i} is ${hex(yk)} where replay gives ${hex(xk)}`;
    if (!equal(xv, yv)) return `${name}: the value of ${hex(xk)} differs from replay (${hex(yv, 40)} vs ${hex(xv, 40)})`;
  }
}

/**
 * Verifies a ledger's stores. The stores must not be written meanwhile
 * (verify a closed ledger, or a copy).
 */
export async function verifyLedgerStores(kv: KvStore, files: BlockFileStore): Promise<LedgerVerification> {
  const stored = await readSavepoint(kv);
  if (!stored) return { ok: true, height: 0 };
  const replay = new MemoryKvStore();
  try {
    let savepoint: Savepoint = initialSavepoint(files.start());
    let config: LedgerChannelConfig | undefined;
    let registry: MspRegistry | undefined;
    for (let n = 0; n < stored.height; n++) {
      const fail = (what: string): LedgerVerification => ({ ok: false, height: n, divergence: { blockNum: n, what } });
      const recordBytes = await kv.get(blockKey(n));
      if (!recordBytes) return fail(`block ${n} is not indexed`);
      const record = decodeBlockRecord(recordBytes);
      const bytes = await files.read({ file: record.file, offset: record.offset, length: record.length });
      let parsed;
      try {
        parsed = parseBlock(bytes);
      } catch (err) {
        return fail(`block ${n} does not decode or its data hash is wrong: ${(err as Error).message}`);
      }
      if (!equal(parsed.headerHash, record.headerHash)) return fail(`block ${n}'s header hash differs from its index entry`);
      if (n > 0) {
        if (!config || !registry) return fail('no channel configuration before this block');
        let signed;
        try {
          signed = blockSignaturesSignedData(parsed.block);
        } catch (err) {
          if (err instanceof DecodeError) return fail(`block ${n}'s signatures do not decode: ${err.message}`);
          throw err;
        }
        const ok = evaluateSignedData(channelPolicy(config, 'BlockValidation'), signed, { deserializer: ignoreExpiry(registry), atMs: 0 });
        if (!ok) return fail(`block ${n} is not signed as the BlockValidation policy requires`);
      }
      const channelId = config?.channelId ?? channelConfigOfEnvelope(parsed.envelopes[0] ?? new Uint8Array(0)).channelId;
      let applied;
      try {
        applied = await applyDurableBlock(replay, bytes, { file: record.file, offset: record.offset, length: record.length }, savepoint.fileEnd, savepoint, channelId);
      } catch (err) {
        if (err instanceof LedgerError) return fail(err.message);
        throw err;
      }
      savepoint = applied.savepoint;
      if (savepoint.lastConfigBlock === n) {
        const configTx = applied.block.txs[0];
        config = channelConfigOfEnvelope(configTx!.envelope);
        registry = new MspRegistry(config.mspDefinitions);
      }
    }
    if (!equal(savepoint.headerHash, stored.headerHash)) return { ok: false, height: stored.height, divergence: { what: 'the savepoint names another last block' } };
    if (!equal(savepoint.commitHash, stored.commitHash)) return { ok: false, height: stored.height, divergence: { what: 'the savepoint holds another commit hash' } };
    for (const [prefix, name] of [[PREFIX_STATE, 'state'], [PREFIX_HISTORY, 'history'], [PREFIX_TX, 'transaction index']] as const) {
      const diff = await compareKeyspace(prefix, name, replay, kv);
      if (diff) return { ok: false, height: stored.height, divergence: { what: diff } };
    }
    return { ok: true, height: stored.height };
  } finally {
    await replay.close();
  }
}

/**
 * Verifies the ledger in a channel directory (as `Ledger.open` lays it out).
 * @throws KvStoreError when the stores cannot be opened
 */
export async function verifyLedger(dir: string): Promise<LedgerVerification> {
  const kv = await LevelKvStore.open(path.join(dir, 'index'));
  const files = await FsBlockFileStore.open(path.join(dir, 'blocks'));
  try {
    return await verifyLedgerStores(kv, files);
  } finally {
    await Promise.allSettled([kv.close(), files.close()]);
  }
}
