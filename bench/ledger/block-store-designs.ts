/**
 * The two ways issue #3 asks to compare for storing blocks, reduced to what
 * the benchmark needs: commit a block's whole load durably, read a block by
 * number, read one transaction by txId.
 *
 * A, LevelDB only: the block is one value in the same synced batch as its
 *    index, state, history and savepoint. Atomic by construction.
 * B, block files + LevelDB: the block is appended to a block file (rolled at
 *    64 MiB) and fdatasynced; then one LevelDB batch holds where it is
 *    (file, offset, length, each transaction's slice), the tx index, state,
 *    history and a savepoint naming the file position. Durable order: file
 *    first, so the index never points at bytes that could vanish.
 *    `syncIndex: false` (B1) leaves the LevelDB batch unsynced: one fsync per
 *    block, and recovery replays what the index lost from the files.
 */
import { crc32 } from 'node:zlib';
import { mkdirSync, openSync, fsyncSync, closeSync, readdirSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { KvBatch, LevelKvStore, type KvStore, type LevelKvStoreOptions } from '@alliance/ledger';
import {
  SAVEPOINT_KEY, blockHashKey, blockKey, readTxLocation, txKey, txLocation, u64, type BlockLoad, type TxSlice,
} from './block-load.js';

export interface BlockStoreDesign {
  readonly name: string;
  commit(load: BlockLoad): Promise<void>;
  readBlock(n: number): Promise<Uint8Array>;
  readTx(txId: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Rolls block files at this size, as Fabric's blockfile manager does (its default is 64 MiB). */
export const BLOCK_FILE_BYTES_MAX = 64 * 1024 * 1024;
// Each block file record: length(4) crc32(4) block bytes. The checksum finds a torn tail after a crash.
const RECORD_HEADER_BYTES = 8;

/** Puts everything of a block except the block bytes (both designs write these identically). */
function addIndexStateHistory(batch: KvBatch, load: BlockLoad): void {
  batch.put(blockHashKey(load.hash), u64(load.number));
  load.txIds.forEach((id, i) => batch.put(txKey(id), txLocation(load.number, i, 0)));
  for (const [k, v] of load.stateWrites) batch.put(k, v);
  const empty = new Uint8Array(0);
  for (const k of load.historyKeys) batch.put(k, empty);
}

/** A: the block as one LevelDB value, all in one synced batch. */
export class LevelOnlyDesign implements BlockStoreDesign {
  readonly name = 'A leveldb-only';
  private constructor(private readonly kv: KvStore) {}

  static async open(dir: string, tuning: LevelKvStoreOptions = {}): Promise<LevelOnlyDesign> {
    return new LevelOnlyDesign(await LevelKvStore.open(dir, tuning));
  }

  async commit(load: BlockLoad): Promise<void> {
    const batch = new KvBatch().put(blockKey(load.number), load.bytes);
    addIndexStateHistory(batch, load);
    batch.put(SAVEPOINT_KEY, u64(load.number));
    await this.kv.write(batch, { sync: true });
  }

  async readBlock(n: number): Promise<Uint8Array> {
    const v = await this.kv.get(blockKey(n));
    if (!v) throw new Error(`block ${n} missing`);
    return v;
  }

  // The whole block is read to reach one transaction: LevelDB has no partial value reads.
  async readTx(txId: string): Promise<Uint8Array> {
    const loc = await this.kv.get(txKey(txId));
    if (!loc) throw new Error(`tx ${txId} missing`);
    const { blockNum, txNum } = readTxLocation(loc);
    const block = Buffer.from(await this.readBlock(blockNum));
    let at = 96;
    for (let i = 0; i < txNum; i++) at += 4 + block.readUInt32BE(at);
    return block.subarray(at + 4, at + 4 + block.readUInt32BE(at));
  }

  close(): Promise<void> {
    return this.kv.close();
  }
}

interface BlockPlace {
  readonly file: number;
  readonly offset: number;
  readonly length: number;
  readonly txs: readonly TxSlice[];
}

// file(4) offset(8) length(4) count(4) then offset(4) length(4) per transaction, offsets relative to the block.
function encodePlace(p: BlockPlace): Uint8Array {
  const v = Buffer.alloc(20 + 8 * p.txs.length);
  v.writeUInt32BE(p.file, 0);
  v.writeUInt32BE(Math.floor(p.offset / 2 ** 32), 4);
  v.writeUInt32BE(p.offset >>> 0, 8);
  v.writeUInt32BE(p.length, 12);
  v.writeUInt32BE(p.txs.length, 16);
  p.txs.forEach((t, i) => { v.writeUInt32BE(t.offset, 20 + 8 * i); v.writeUInt32BE(t.length, 24 + 8 * i); });
  return v;
}

function decodePlace(raw: Uint8Array, txNum?: number): BlockPlace {
  const v = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const txs: TxSlice[] = [];
  if (txNum !== undefined) txs.push({ offset: v.readUInt32BE(20 + 8 * txNum), length: v.readUInt32BE(24 + 8 * txNum) });
  return { file: v.readUInt32BE(0), offset: v.readUInt32BE(4) * 2 ** 32 + v.readUInt32BE(8), length: v.readUInt32BE(12), txs };
}

/** B (and B1): append-only block files plus a LevelDB index, state and history. */
export class FileBlockDesign implements BlockStoreDesign {
  readonly name: string;
  #file = 0;
  #size = 0;
  #writer: FileHandle | undefined;
  readonly #readers = new Map<number, FileHandle>();

  private constructor(
    private readonly kv: KvStore,
    private readonly blocksDir: string,
    private readonly syncIndex: boolean,
  ) {
    this.name = syncIndex ? 'B files+leveldb' : 'B1 files+leveldb (index unsynced)';
  }

  static async open(dir: string, syncIndex: boolean, tuning: LevelKvStoreOptions = {}): Promise<FileBlockDesign> {
    const blocksDir = path.join(dir, 'blocks');
    mkdirSync(blocksDir, { recursive: true });
    const design = new FileBlockDesign(await LevelKvStore.open(path.join(dir, 'index'), tuning), blocksDir, syncIndex);
    await design.#roll(0);
    return design;
  }

  async commit(load: BlockLoad): Promise<void> {
    const length = load.bytes.length;
    if (this.#size > 0 && this.#size + RECORD_HEADER_BYTES + length > BLOCK_FILE_BYTES_MAX) await this.#roll(this.#file + 1);
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    header.writeUInt32BE(length, 0);
    header.writeUInt32BE(crc32(load.bytes), 4);
    const offset = this.#size;
    await this.#writer!.writev([header, load.bytes], offset);
    await this.#writer!.datasync();
    this.#size += RECORD_HEADER_BYTES + length;

    const batch = new KvBatch().put(blockKey(load.number), encodePlace({ file: this.#file, offset, length, txs: load.txs }));
    addIndexStateHistory(batch, load);
    const savepoint = Buffer.alloc(20);
    Buffer.from(u64(load.number)).copy(savepoint, 0);
    savepoint.writeUInt32BE(this.#file, 8);
    savepoint.writeUInt32BE(Math.floor(this.#size / 2 ** 32), 12);
    savepoint.writeUInt32BE(this.#size >>> 0, 16);
    batch.put(SAVEPOINT_KEY, savepoint);
    await this.kv.write(batch, { sync: this.syncIndex });
  }

  async readBlock(n: number): Promise<Uint8Array> {
    const raw = await this.kv.get(blockKey(n));
    if (!raw) throw new Error(`block ${n} missing`);
    const p = decodePlace(raw);
    return this.#pread(p.file, p.offset + RECORD_HEADER_BYTES, p.length);
  }

  // Two small index reads and one read of just the transaction's bytes.
  async readTx(txId: string): Promise<Uint8Array> {
    const loc = await this.kv.get(txKey(txId));
    if (!loc) throw new Error(`tx ${txId} missing`);
    const { blockNum, txNum } = readTxLocation(loc);
    const raw = await this.kv.get(blockKey(blockNum));
    if (!raw) throw new Error(`block ${blockNum} missing`);
    const p = decodePlace(raw, txNum);
    const tx = p.txs[0]!;
    return this.#pread(p.file, p.offset + RECORD_HEADER_BYTES + tx.offset, tx.length);
  }

  async close(): Promise<void> {
    await this.#writer?.close();
    for (const r of this.#readers.values()) await r.close();
    await this.kv.close();
  }

  async #pread(file: number, position: number, length: number): Promise<Uint8Array> {
    let r = this.#readers.get(file);
    if (!r) {
      r = await open(this.#fileName(file), 'r');
      this.#readers.set(file, r);
    }
    const out = Buffer.allocUnsafe(length);
    const { bytesRead } = await r.read(out, 0, length, position);
    if (bytesRead !== length) throw new Error(`short read in block file ${file}`);
    return out;
  }

  // A new file is made durable by fsyncing its directory, once per 64 MiB.
  async #roll(file: number): Promise<void> {
    await this.#writer?.close();
    this.#writer = await open(this.#fileName(file), 'w');
    const dirFd = openSync(this.blocksDir, 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
    this.#file = file;
    this.#size = 0;
  }

  #fileName(file: number): string {
    return path.join(this.blocksDir, `blockfile_${String(file).padStart(6, '0')}`);
  }
}

/** Bytes under `dir`, files only. */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
