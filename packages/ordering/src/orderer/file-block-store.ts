/**
 * `OrdererBlockStore` on the ledger's block files (#3): blocks appended to
 * checksummed records in rolling files (`blocks/`), located by a small
 * index in a KvStore (`index/`, LevelDB). The orderer keeps no world state:
 * it stores the blocks it wrote, as it wrote them.
 *
 *   0x01 'tip'             -> height u64 BE, file u32, offset u32, header hash
 *   0x02 number u64 BE     -> file u32, offset u32, length u32 (the payload)
 *
 * Durability rule: (1) the block's record is appended and fdatasynced;
 * (2) its index entry and the new tip are written in one unsynced batch;
 * (3) only then is the height advanced and do readers wake. The index is
 * derived from the files, so one fsync per block suffices: on open, every
 * record after the indexed tip (durable, index lost with a crash) is
 * checked (number, chaining) and indexed again, and a torn tail is cut.
 */
import path from 'node:path';
import {
  FsBlockFileStore, KvBatch, LevelKvStore, type BlockFilePosition, type BlockFileSpan, type BlockFileStore, type KvStore,
} from '@alliance/ledger';
import { checkNextBlock, notFound, storeClosed, type OrdererBlockStore } from './block-store.js';
import { BlockWaiters } from './block-waiters.js';
import { BLOCK_STORE_REINDEX_BATCH_MAX } from './constants.js';
import { OrdererBlockStoreError } from './errors.js';

export interface FileOrdererBlockStoreOptions {
  /** The channel's directory: `blocks/` and `index/` live in it. */
  readonly dir?: string;
  /** Injected stores (simulated disks with crashes); both or neither. */
  readonly files?: BlockFileStore;
  readonly kv?: KvStore;
}

interface Tip {
  readonly height: number;
  readonly fileEnd: BlockFilePosition;
  readonly headerHash: Uint8Array;
}

const TIP_KEY = new Uint8Array([0x01, 0x74, 0x69, 0x70]);

function blockKey(number: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = 0x02;
  new DataView(key.buffer).setBigUint64(1, BigInt(number));
  return key;
}

function encodeSpan(span: BlockFileSpan): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint32(0, span.file);
  view.setUint32(4, span.offset);
  view.setUint32(8, span.length);
  return out;
}

function decodeSpan(bytes: Uint8Array): BlockFileSpan {
  if (bytes.length !== 12) throw corrupt('a block index entry is not 12 bytes', { bytes: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { file: view.getUint32(0), offset: view.getUint32(4), length: view.getUint32(8) };
}

function encodeTip(tip: Tip): Uint8Array {
  const out = new Uint8Array(16 + tip.headerHash.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(tip.height));
  view.setUint32(8, tip.fileEnd.file);
  view.setUint32(12, tip.fileEnd.offset);
  out.set(tip.headerHash, 16);
  return out;
}

function decodeTip(bytes: Uint8Array): Tip {
  if (bytes.length < 16) throw corrupt('the index tip record is too short', { bytes: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    height: Number(view.getBigUint64(0)),
    fileEnd: { file: view.getUint32(8), offset: view.getUint32(12) },
    headerHash: bytes.slice(16),
  };
}

function corrupt(message: string, details: Record<string, unknown>): OrdererBlockStoreError {
  return new OrdererBlockStoreError('STORE_CORRUPT', message, details);
}

function after(a: BlockFilePosition, b: BlockFilePosition): boolean {
  return a.file > b.file || (a.file === b.file && a.offset > b.offset);
}

export class FileOrdererBlockStore implements OrdererBlockStore {
  readonly #files: BlockFileStore;
  readonly #kv: KvStore;
  readonly #waiters: BlockWaiters;
  #tip: Tip;
  #appending: Promise<unknown> = Promise.resolve();
  #failed: OrdererBlockStoreError | undefined;
  #closed = false;

  private constructor(files: BlockFileStore, kv: KvStore, tip: Tip) {
    this.#files = files;
    this.#kv = kv;
    this.#tip = tip;
    this.#waiters = new BlockWaiters(tip.height);
  }

  /**
   * Opens (or creates) the store and brings the index up to the files.
   * @throws OrdererBlockStoreError STORE_CORRUPT when the files hold less than
   *   the index or a record that does not chain; KvStoreError, BlockFileError on I/O
   */
  static async open(options: FileOrdererBlockStoreOptions): Promise<FileOrdererBlockStore> {
    if ((options.files === undefined) !== (options.kv === undefined)) throw new Error('assertion failed: inject both stores or neither');
    if (!options.files && !options.dir) throw new Error('assertion failed: a block store needs a directory or injected stores');
    const files = options.files ?? await FsBlockFileStore.open(path.join(options.dir!, 'blocks'));
    let kv: KvStore | undefined = options.kv;
    try {
      kv ??= await LevelKvStore.open(path.join(options.dir!, 'index'));
      const tip = await recover(files, kv);
      return new FileOrdererBlockStore(files, kv, tip);
    } catch (err) {
      await Promise.allSettled([files.close(), kv?.close()]);
      throw err;
    }
  }

  get height(): number {
    return this.#tip.height;
  }

  append(block: Uint8Array): Promise<void> {
    const done = this.#appending.then(() => this.#append(block));
    this.#appending = done.catch(() => undefined);
    return done;
  }

  async #append(block: Uint8Array): Promise<void> {
    if (this.#closed) throw storeClosed();
    if (this.#failed) throw this.#failed;
    const next = checkNextBlock(block, this.#tip.height, this.#tip.headerHash);
    // Fail-stop: once the files may hold a block the index does not, appending again
    // would store it twice. Reopening re-indexes from the files.
    try {
      const at = await this.#files.append(block);
      const tip: Tip = { height: next.number + 1, fileEnd: at.next, headerHash: next.headerHash };
      await this.#kv.write(new KvBatch().put(blockKey(next.number), encodeSpan(at)).put(TIP_KEY, encodeTip(tip)), { sync: false });
      this.#tip = tip;
    } catch (cause) {
      this.#failed = new OrdererBlockStoreError('STORE_FAILED', `appending block ${next.number} failed; reopen the store: ${(cause as Error).message}`, { number: next.number }, { cause });
      throw cause;
    }
    this.#waiters.reached(this.#tip.height);
  }

  async get(number: number): Promise<Uint8Array> {
    if (this.#closed) throw storeClosed();
    if (!Number.isSafeInteger(number) || number < 0 || number >= this.#tip.height) throw notFound(number, this.#tip.height);
    const entry = await this.#kv.get(blockKey(number));
    if (!entry) throw corrupt(`block ${number} is below the height but not indexed`, { number });
    return this.#files.read(decodeSpan(entry));
  }

  waitForHeight(height: number, signal?: AbortSignal): Promise<void> {
    return this.#waiters.wait(height, signal);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.close();
    await this.#appending;
    await Promise.allSettled([this.#files.close(), this.#kv.close()]);
  }
}

/** Indexes the records after the indexed tip (see the file comment); returns the tip to resume from. */
async function recover(files: BlockFileStore, kv: KvStore): Promise<Tip> {
  const stored = await kv.get(TIP_KEY);
  let tip: Tip = stored ? decodeTip(stored) : { height: 0, fileEnd: files.start(), headerHash: new Uint8Array(0) };
  if (after(tip.fileEnd, files.end())) throw corrupt('the index records blocks the block files do not hold', { indexed: tip.fileEnd, files: files.end() });
  let batch = new KvBatch();
  let pending = 0;
  for await (const item of files.scan(tip.fileEnd)) {
    if ('torn' in item) {
      await files.truncate(item.torn);
      break;
    }
    let next;
    try {
      next = checkNextBlock(item.payload, tip.height, tip.headerHash);
    } catch (cause) {
      if (!(cause instanceof OrdererBlockStoreError)) throw cause;
      throw new OrdererBlockStoreError('STORE_CORRUPT', `the record at ${item.position.file}:${item.position.offset} is not block ${tip.height}: ${cause.message}`, {
        height: tip.height, ...item.position,
      }, { cause });
    }
    tip = { height: next.number + 1, fileEnd: item.next, headerHash: next.headerHash };
    batch.put(blockKey(next.number), encodeSpan(item.span)).put(TIP_KEY, encodeTip(tip));
    if (++pending >= BLOCK_STORE_REINDEX_BATCH_MAX) {
      await kv.write(batch, { sync: false });
      batch = new KvBatch();
      pending = 0;
    }
  }
  if (pending > 0) await kv.write(batch, { sync: false });
  return tip;
}
