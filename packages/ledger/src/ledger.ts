/**
 * A channel's ledger on one node: blocks in append-only files, and in one
 * key-value store the block and transaction indexes, the versioned world
 * state, the history and the savepoint. `commitBlock` validates and commits
 * blocks from ordering in a pipeline: the signature checks of block N+1 run
 * on worker threads while block N is validated and written.
 *
 * Durability rule, per block: (1) the block, with its TRANSACTIONS_FILTER
 * and COMMIT_HASH, is appended to the block files and fsynced; (2) one
 * synced batch writes its index entries, state updates, history and the
 * savepoint; (3) only then does `commitBlock` resolve and do readers wake.
 * A crash between (1) and (2) leaves a durable block the index does not
 * know: `Ledger.open` re-applies it from the file.
 */
import path from 'node:path';
import {
  AllianceError, blockSignaturesSignedData, common, DecodeError, evaluateSignedData, MspRegistry, protos, type IdentityDeserializer, type Policy,
} from '@alliance/protocol';
import { channelConfigOfEnvelope, channelPolicy, type LedgerChannelConfig } from './channel-config.js';
import { blockEffects, commitBatch } from './commit/apply-block.js';
import { encodeBlockWithSpans } from './commit/block-encoding.js';
import { endorsementStage, type ConfigTxValidator } from './commit/endorsement-stage.js';
import { StateCache } from './commit/state-cache.js';
import { PIPELINE_BLOCKS_MAX, KV_GET_MANY_KEYS_MAX } from './constants.js';
import { LedgerError } from './errors.js';
import { CommitNotifier } from './events/commit-notifier.js';
import { LedgerReader } from './query/ledger-reader.js';
import { configAt, recoverLedger, readSavepoint } from './recovery.js';
import { blockTimeOf } from './block-time.js';
import { ignoreExpiry } from './block-signers.js';
import { FsBlockFileStore, type BlockFileStore } from './store/block-files.js';
import type { KvStore } from './store/kv-store.js';
import { LevelKvStore } from './store/level-kv-store.js';
import { txKey, type TxLocation } from './store/layout.js';
import type { Savepoint } from './store/records.js';
import { NamespacePolicyValidator, type EndorsementValidator } from './validate/endorsement-validator.js';
import { prepareBlock, type PreparedBlock } from './validate/prepare-block.js';
import { SignaturePool } from './workers/signature-pool.js';

const { TxValidationCode } = protos;

export interface LedgerOptions {
  /** The channel's directory: `index/` (LevelDB) and `blocks/` (block files) live in it. */
  readonly dir?: string;
  /** Injected stores (simulation and crash tests); both or neither. */
  readonly kv?: KvStore;
  readonly blockFiles?: BlockFileStore;
  /** The validation-time endorsement check; default: the channel's `Endorsement` policy for every namespace. */
  readonly endorsementValidator?: (config: LedgerChannelConfig) => EndorsementValidator;
  /** Whether a config transaction after genesis is acceptable; default: yes, once its creator's signature verified. */
  readonly configValidator?: ConfigTxValidator;
  /** Signature worker threads; default: the machine's cores; 0 checks on the calling thread (deterministic simulations). */
  readonly workers?: number;
}

/** What became of a committed block. */
export interface CommitResult {
  readonly blockNum: number;
  /** TxValidationCode per transaction. */
  readonly codes: readonly number[];
  readonly txIds: readonly string[];
}

/** The channel configuration and everything compiled from it. */
interface ConfigState {
  readonly config: LedgerChannelConfig;
  readonly registry: MspRegistry;
  readonly blockValidation: Policy;
  /** The registry seen through ignoreExpiry, for orderer block signatures. */
  readonly blockSigners: IdentityDeserializer;
  readonly endorsementValidator: EndorsementValidator;
}

export class Ledger extends LedgerReader {
  private savepoint: Savepoint;
  private configState: ConfigState | undefined;
  private pool: SignaturePool | undefined;
  private readonly options: LedgerOptions;
  // pipeline position: what the next block offered must be
  private nextNumber: number;
  private nextPreviousHash: Uint8Array;
  private inFlight = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private configBarrier: Promise<unknown> | undefined;
  private spaceWaiters: (() => void)[] = [];
  private broken: Error | undefined;
  private closed = false;

  private constructor(kv: KvStore, files: BlockFileStore, savepoint: Savepoint, configState: ConfigState | undefined, options: LedgerOptions) {
    super(kv, files, new CommitNotifier(savepoint.height));
    this.savepoint = savepoint;
    this.configState = configState;
    this.options = options;
    this.nextNumber = savepoint.height;
    this.nextPreviousHash = savepoint.headerHash;
    if (configState) this.pool = new SignaturePool(configState.config.mspDefinitions, options.workers);
  }

  /**
   * Opens (or creates) a channel's ledger and brings it to a consistent
   * state: a block that reached the files but not the index is re-applied, a
   * torn tail is cut off.
   * @throws LedgerError LEDGER_CORRUPT when the files and the index cannot be reconciled; KvStoreError on I/O
   */
  static async open(options: LedgerOptions): Promise<Ledger> {
    if ((options.kv === undefined) !== (options.blockFiles === undefined)) throw new Error('assertion failed: inject both stores or neither');
    if (!options.kv && !options.dir) throw new Error('assertion failed: a ledger needs a directory or injected stores');
    const kv = options.kv ?? await LevelKvStore.open(path.join(options.dir!, 'index'));
    const files = options.blockFiles ?? await FsBlockFileStore.open(path.join(options.dir!, 'blocks'));
    try {
      const savepoint = await recoverLedger(kv, files);
      const configState = savepoint.height > 0 ? compileConfig(await configAt(kv, files, savepoint), options) : undefined;
      return new Ledger(kv, files, savepoint, configState, options);
    } catch (err) {
      await Promise.allSettled([kv.close(), files.close()]);
      throw err;
    }
  }

  /** Number of committed blocks. */
  get height(): number {
    return this.savepoint.height;
  }

  /** The channel configuration in force (undefined before the genesis block). */
  get channelConfig(): LedgerChannelConfig | undefined {
    return this.configState?.config;
  }

  get currentSavepoint(): Savepoint {
    return this.savepoint;
  }

  /**
   * Validates and commits the next block from ordering. Resolves when the
   * block is durable, with a validation code per transaction; invalid
   * transactions are committed with their code, never thrown. Up to
   * PIPELINE_BLOCKS_MAX blocks may be in flight; further calls wait.
   * @throws LedgerError BLOCK_MALFORMED, BLOCK_NUMBER_MISMATCH, BLOCK_PREVIOUS_HASH_MISMATCH,
   *   BLOCK_DATA_HASH_MISMATCH, BLOCK_SIGNATURE_INVALID, BLOCK_TOO_LARGE: the block is refused and the ledger stays
   *   at its height; LEDGER_CLOSED; after a storage failure every call throws that failure until the ledger is reopened
   */
  async commitBlock(blockBytes: Uint8Array): Promise<CommitResult> {
    this.assertUsable();
    while (this.inFlight >= PIPELINE_BLOCKS_MAX) await new Promise<void>((r) => this.spaceWaiters.push(r));
    if (this.configBarrier) await this.configBarrier.catch(() => undefined);
    this.assertUsable();
    const prepared = this.stageA(blockBytes);
    this.inFlight++;
    const verifying = this.pool ? this.pool.verify(prepared.jobs) : Promise.resolve(new Uint8Array(prepared.jobs.count));
    verifying.catch(() => undefined);
    const done = this.tail.then(() => this.stageB(prepared, verifying));
    this.tail = done.catch(() => undefined);
    if (prepared.txs.some((t) => t.type === common.HeaderType.CONFIG)) this.configBarrier = this.tail;
    try {
      return await done;
    } finally {
      this.inFlight--;
      this.spaceWaiters.shift()?.();
    }
  }

  private assertUsable(): void {
    if (this.closed) throw new LedgerError('LEDGER_CLOSED', 'the ledger is closed', {});
    if (this.broken) throw this.broken;
  }

  /** Checks that need no state: decoding, chaining, orderer signatures. Synchronous, so blocks enter in order. */
  private stageA(blockBytes: Uint8Array): PreparedBlock {
    const channelId = this.configState?.config.channelId;
    const prepared = prepareBlock(blockBytes, channelId ?? '');
    const n = prepared.number;
    if (n !== this.nextNumber) {
      throw new LedgerError('BLOCK_NUMBER_MISMATCH', `block ${n} offered, block ${this.nextNumber} expected`, { number: n, expected: this.nextNumber });
    }
    if (!bytesEqual(prepared.parsed.previousHash, this.nextPreviousHash)) {
      throw new LedgerError('BLOCK_PREVIOUS_HASH_MISMATCH', `block ${n} does not follow the ledger's last block`, {
        number: n, expected: Buffer.from(this.nextPreviousHash).toString('hex'), actual: Buffer.from(prepared.parsed.previousHash).toString('hex'),
      });
    }
    if (n === 0) {
      const first = prepared.parsed.envelopes[0];
      if (prepared.txs.length !== 1 || !first) {
        throw new LedgerError('BLOCK_MALFORMED', 'the genesis block holds exactly one CONFIG transaction', { number: 0 });
      }
      // The genesis envelope is unsigned: read its configuration directly.
      const configState = compileConfig(channelConfigOfEnvelope(first), this.options);
      this.configState = configState;
      this.pool = new SignaturePool(configState.config.mspDefinitions, this.options.workers);
      // Decoded before the channel was known; decode again against it.
      const again = prepareBlock(blockBytes, configState.config.channelId);
      this.advance(again);
      return again;
    }
    const cs = this.configState;
    if (!cs) throw new Error('assertion failed: a ledger past genesis has a configuration');
    let signed;
    try {
      signed = blockSignaturesSignedData(prepared.parsed.block);
    } catch (err) {
      // The SIGNATURES metadata slot is not covered by the data hash: any bytes may arrive there.
      if (err instanceof DecodeError) throw new LedgerError('BLOCK_MALFORMED', `block ${n}'s signatures do not decode: ${err.message}`, { number: n }, { cause: err });
      throw err;
    }
    if (!evaluateSignedData(cs.blockValidation, signed, { deserializer: cs.blockSigners, atMs: 0 })) {
      throw new LedgerError('BLOCK_SIGNATURE_INVALID', `block ${n} is not signed as the channel's BlockValidation policy requires`, { number: n });
    }
    this.advance(prepared);
    return prepared;
  }

  private advance(prepared: PreparedBlock): void {
    this.nextNumber = prepared.number + 1;
    this.nextPreviousHash = prepared.parsed.headerHash;
  }

  /** Validation against state and the durable write, one block at a time, in order. */
  private async stageB(prepared: PreparedBlock, verifying: Promise<Uint8Array>): Promise<CommitResult> {
    if (this.broken) throw this.broken;
    try {
      const cs = this.configState!;
      const n = prepared.number;
      const jobResults = await verifying;
      const cache = new StateCache(this.kv);
      let codes: number[];
      let reasons: string[];
      let onLedger: ReadonlySet<string> = new Set();
      if (n === 0) {
        codes = prepared.txs.map(() => TxValidationCode.VALID);
        reasons = prepared.txs.map(() => '');
      } else {
        onLedger = await this.txIdsOnLedger(prepared);
        await cs.endorsementValidator.prepareBlock?.(prepared.txs, (keys) => cache.load(keys));
        ({ codes, reasons } = endorsementStage({
          block: prepared, jobResults, onLedger, deserializer: cs.registry, endorsementValidator: cs.endorsementValidator,
          configValidator: this.options.configValidator ?? (() => ({ code: TxValidationCode.VALID })),
          committedMetadata: (ns, key) => cache.metadata(ns, key),
          committedValue: (ns, key) => cache.value(ns, key),
        }));
        this.checkConfigTxs(prepared, codes, reasons, cs);
      }
      const effects = await blockEffects(this.kv, prepared, codes, reasons, this.savepoint.commitHash, cache);
      const encoded = encodeBlockWithSpans(prepared.parsed.block.header!, prepared.parsed.envelopes, effects.metadata);
      const at = await this.files.append(encoded.bytes);
      let lastConfigBlock = this.savepoint.lastConfigBlock;
      let newConfig: LedgerChannelConfig | undefined;
      const configTx = prepared.txs.find((t) => t.type === common.HeaderType.CONFIG && effects.codes[t.index] === TxValidationCode.VALID);
      if (configTx && n > 0) {
        newConfig = channelConfigOfEnvelope(configTx.envelope);
        lastConfigBlock = n;
      }
      const next: Savepoint = {
        height: n + 1, headerHash: prepared.parsed.headerHash, commitHash: effects.commitHash, fileEnd: at.next,
        lastConfigBlock, blockTimeMs: blockTimeOf(prepared, effects.codes, this.savepoint.blockTimeMs),
      };
      const batch = commitBatch(prepared, effects, { file: at.file, offset: at.offset, length: at.length, txSpans: encoded.txSpans, fileEnd: next.fileEnd }, onLedger, next);
      await this.kv.write(batch, { sync: true });
      this.savepoint = next;
      if (newConfig) this.applyConfig(newConfig);
      const txIds = prepared.txs.map((t) => t.txId);
      this.notifier.committed(next.height, prepared.txs.flatMap((t) => (t.txId === '' || onLedger.has(t.txId) ? []
        : [{ txId: t.txId, location: { blockNum: n, txNum: t.index, code: effects.codes[t.index]! } satisfies TxLocation }])));
      return { blockNum: n, codes: effects.codes, txIds };
    } catch (err) {
      this.broken ??= err instanceof LedgerError ? err
        : new LedgerError('STORE_WRITE_FAILED', `committing block ${prepared.number} failed; reopen the ledger: ${(err as Error).message}`, { number: prepared.number }, { cause: err });
      throw this.broken;
    }
  }

  /**
   * A CONFIG transaction still VALID must carry a configuration this
   * ledger can run on: it decodes, names this channel and compiles (MSPs,
   * policies); else it is INVALID_CONFIG_TRANSACTION, as a Fabric peer marks
   * a config update it cannot apply. Without this check one such
   * transaction, signed by any member, stopped the ledger for good: its
   * block was durable before the configuration failed to decode, and every
   * reopen failed on it again.
   */
  private checkConfigTxs(prepared: PreparedBlock, codes: number[], reasons: string[], cs: ConfigState): void {
    for (const tx of prepared.txs) {
      if (tx.type !== common.HeaderType.CONFIG || codes[tx.index] !== TxValidationCode.VALID) continue;
      try {
        const config = channelConfigOfEnvelope(tx.envelope);
        if (config.channelId !== cs.config.channelId) {
          throw new LedgerError('BLOCK_MALFORMED', `the configuration is for channel ${config.channelId}, not ${cs.config.channelId}`, {});
        }
        compileConfig(config, this.options);
      } catch (err) {
        if (!(err instanceof AllianceError)) throw err;
        codes[tx.index] = TxValidationCode.INVALID_CONFIG_TRANSACTION;
        reasons[tx.index] = `the configuration cannot be applied: ${err.message}`;
      }
    }
  }

  private applyConfig(config: LedgerChannelConfig): void {
    this.configState = compileConfig(config, this.options);
    this.pool?.updateMsps(config.mspDefinitions);
  }

  private async txIdsOnLedger(prepared: PreparedBlock): Promise<Set<string>> {
    const ids = [...new Set(prepared.txs.filter((t) => t.type === common.HeaderType.ENDORSER_TRANSACTION && t.txId !== '').map((t) => t.txId))];
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += KV_GET_MANY_KEYS_MAX) {
      const part = ids.slice(i, i + KV_GET_MANY_KEYS_MAX);
      const values = await this.kv.getMany(part.map(txKey));
      part.forEach((id, j) => { if (values[j] !== undefined) found.add(id); });
    }
    return found;
  }

  /** Waits for blocks in flight, then releases threads, files and the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    this.notifier.close();
    await this.pool?.close();
    await Promise.allSettled([this.kv.close(), this.files.close()]);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function compileConfig(config: LedgerChannelConfig, options: LedgerOptions): ConfigState {
  const endorsement = options.endorsementValidator?.(config);
  let validator = endorsement;
  if (!validator) {
    const policy = channelPolicy(config, 'Endorsement');
    validator = new NamespacePolicyValidator(() => policy);
  }
  const registry = new MspRegistry(config.mspDefinitions);
  return {
    config,
    registry,
    blockSigners: ignoreExpiry(registry),
    blockValidation: channelPolicy(config, 'BlockValidation'),
    endorsementValidator: validator,
  };
}

export { readSavepoint };
