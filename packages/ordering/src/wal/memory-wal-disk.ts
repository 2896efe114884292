/**
 * `WalDisk` in memory, for tests and the deterministic cluster simulation:
 * it keeps what the durability contract (wal-disk.ts) promises and, at a
 * crash, takes back what it does not, drawn from a seeded Rng:
 *
 * - of each file, the synced bytes survive; of the bytes appended since its
 *   last sync, a prefix survives, possibly followed by zeros or garbage (the
 *   size grew before the pages were written) and possibly with a byte of
 *   the kept prefix damaged (pages written back out of order);
 * - of the directory operations since the last `syncDir` (create, rename,
 *   remove), a prefix survives, in order (a metadata journal).
 *
 * A crash is asked for with `crash()` (between two operations: an operation
 * in progress fails) or planned with `crashAtOp` (the n-th mutating
 * operation fails instead of running). Either way the disk then refuses
 * every operation, and `crash()` (or `crashedImage()`) hands back the disk
 * as a restarted machine finds it, to open a store on again. `failAtOp`
 * fails one mutating operation with WAL_IO_FAILED, changing nothing, and the
 * disk carries on (the store must then refuse saves until reopened).
 */
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { walAssert } from './assert.js';
import { RaftLogError } from './errors.js';
import { type WalDisk } from './wal-disk.js';

/** How a crash treats unsynced data: seeded tears ('random'), all lost, or all kept. */
export type WalCrashMode = 'random' | 'lose-unsynced' | 'keep-unsynced';

export interface MemoryWalDiskOptions {
  /** Seed of the Rng that draws tears (default 1); or the Rng itself. */
  readonly seed?: number;
  readonly rng?: Rng;
  /** Crash instead of running the n-th mutating operation (1 is the first). */
  readonly crashAtOp?: number;
  /** How the planned crash treats unsynced data (default 'random'). */
  readonly crashMode?: WalCrashMode;
  /** Fail the n-th mutating operation with WAL_IO_FAILED (it changes nothing). */
  readonly failAtOp?: number;
}

// A file's content; the first `synced` bytes are durable.
interface Inode {
  bytes: Uint8Array;
  size: number;
  synced: number;
}

type DirOp = { readonly op: 'set'; readonly name: string; readonly inode: Inode } | { readonly op: 'remove'; readonly name: string }
  | { readonly op: 'rename'; readonly from: string; readonly to: string };

export class MemoryWalDisk implements WalDisk {
  readonly #names = new Map<string, Inode>();
  #durable = new Map<string, Inode>();
  #pending: DirOp[] = [];
  readonly #rng: Rng;
  readonly #options: MemoryWalDiskOptions;
  #ops = 0;
  #crashed: MemoryWalDisk | undefined;

  /** A disk holding `files` (durable), e.g. a test's damaged copy of another disk's `files()`. */
  constructor(files: ReadonlyMap<string, Uint8Array> = new Map(), options: MemoryWalDiskOptions = {}) {
    for (const [name, bytes] of files) this.#names.set(name, { bytes: bytes.slice(), size: bytes.length, synced: bytes.length });
    this.#durable = new Map(this.#names);
    this.#options = options;
    this.#rng = options.rng ?? createRng(options.seed ?? 1);
  }

  /** Mutating operations attempted so far. */
  get opCount(): number {
    return this.#ops;
  }

  /** Whether the disk has crashed. */
  get crashed(): boolean {
    return this.#crashed !== undefined;
  }

  /** Copies of the files as they are now (what a clean shutdown leaves). */
  files(): Map<string, Uint8Array> {
    return new Map([...this.#names].map(([n, f]) => [n, f.bytes.slice(0, f.size)]));
  }

  /**
   * Crashes the disk now (when it has not already) and returns what survives,
   * as a new disk whose Rng continues this one's.
   */
  crash(mode: WalCrashMode = 'random'): MemoryWalDisk {
    if (this.#crashed === undefined) this.#crashed = this.#survivors(mode);
    return this.#crashed;
  }

  /** What survived the crash, once the disk has crashed. */
  crashedImage(): MemoryWalDisk {
    walAssert(this.#crashed !== undefined, 'the disk has crashed');
    return this.#crashed;
  }

  async list(): Promise<string[]> {
    await this.#step(false);
    return [...this.#names.keys()];
  }

  async read(name: string): Promise<Uint8Array> {
    await this.#step(false);
    const f = this.#file(name, 'read');
    return f.bytes.slice(0, f.size);
  }

  async create(name: string): Promise<void> {
    await this.#step(true);
    const inode: Inode = { bytes: new Uint8Array(0), size: 0, synced: 0 };
    this.#names.set(name, inode);
    this.#pending.push({ op: 'set', name, inode });
  }

  async append(name: string, parts: readonly Uint8Array[]): Promise<void> {
    await this.#step(true);
    const f = this.#file(name, 'append');
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (f.size + total > f.bytes.length) {
      const grown = new Uint8Array(Math.max(f.size + total, 2 * f.bytes.length));
      grown.set(f.bytes.subarray(0, f.size));
      f.bytes = grown;
    }
    for (const p of parts) {
      f.bytes.set(p, f.size);
      f.size += p.length;
    }
  }

  async sync(name: string): Promise<void> {
    await this.#step(true);
    const f = this.#file(name, 'sync');
    f.synced = f.size;
  }

  async truncate(name: string, size: number): Promise<void> {
    await this.#step(true);
    const f = this.#file(name, 'truncate');
    walAssert(size <= f.size, 'truncate only shrinks a file');
    f.size = size;
    // The contract makes a truncate durable: what is left counts as synced.
    f.synced = size;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#step(true);
    const f = this.#file(from, 'rename');
    this.#names.delete(from);
    this.#names.set(to, f);
    this.#pending.push({ op: 'rename', from, to });
  }

  async remove(name: string): Promise<void> {
    await this.#step(true);
    if (!this.#names.delete(name)) return;
    this.#pending.push({ op: 'remove', name });
  }

  async syncDir(): Promise<void> {
    await this.#step(true);
    this.#durable = new Map(this.#names);
    this.#pending = [];
  }

  async close(): Promise<void> {}

  // One operation's turn: refused after a crash; a planned crash or failure lands here.
  async #step(mutates: boolean): Promise<void> {
    this.#live();
    // Operations take time: a crash() from elsewhere may land in between.
    await Promise.resolve();
    this.#live();
    if (!mutates) return;
    const n = ++this.#ops;
    if (n === this.#options.crashAtOp) {
      this.crash(this.#options.crashMode ?? 'random');
      this.#live();
    }
    if (n === this.#options.failAtOp) throw new RaftLogError('WAL_IO_FAILED', `injected failure of operation ${n}`, { op: n, injected: true });
  }

  #live(): void {
    if (this.#crashed !== undefined) throw new RaftLogError('WAL_IO_FAILED', 'the disk crashed', { crashed: true });
  }

  #file(name: string, op: string): Inode {
    const f = this.#names.get(name);
    if (f === undefined) throw new RaftLogError('WAL_IO_FAILED', `${op} ${name}: no such file`, { op, file: name });
    return f;
  }

  #survivors(mode: WalCrashMode): MemoryWalDisk {
    const names = new Map(this.#durable);
    const kept = mode === 'random' ? rngIntBelow(this.#rng, this.#pending.length + 1) : mode === 'keep-unsynced' ? this.#pending.length : 0;
    for (const op of this.#pending.slice(0, kept)) {
      if (op.op === 'set') names.set(op.name, op.inode);
      else if (op.op === 'remove') names.delete(op.name);
      else {
        const f = names.get(op.from);
        names.delete(op.from);
        if (f !== undefined) names.set(op.to, f);
      }
    }
    const files = new Map<string, Uint8Array>();
    for (const [name, f] of names) files.set(name, this.#tear(f, mode));
    return new MemoryWalDisk(files, { rng: this.#rng });
  }

  // What survives of one file: its synced bytes, then a torn remnant of the rest.
  #tear(f: Inode, mode: WalCrashMode): Uint8Array {
    const unsynced = f.size - f.synced;
    if (mode === 'keep-unsynced' || unsynced === 0) return f.bytes.slice(0, f.size);
    if (mode === 'lose-unsynced') return f.bytes.slice(0, f.synced);
    const rng = this.#rng;
    const keep = rngIntBelow(rng, unsynced + 1);
    const tail = rngIntBelow(rng, 2) === 0 ? 0 : rngIntBelow(rng, unsynced - keep + 1);
    const out = new Uint8Array(f.synced + keep + tail);
    out.set(f.bytes.subarray(0, f.synced + keep));
    if (rngIntBelow(rng, 2) === 0) for (let i = f.synced + keep; i < out.length; i++) out[i] = rngIntBelow(rng, 256);
    if (keep > 0 && rngIntBelow(rng, 4) === 0) out[f.synced + rngIntBelow(rng, keep)]! ^= 1 + rngIntBelow(rng, 255);
    return out;
  }
}
