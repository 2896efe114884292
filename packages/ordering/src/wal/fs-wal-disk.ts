/**
 * `WalDisk` on a real directory with node:fs/promises: one handle kept open
 * per file written (opened for append), fdatasync for `sync`, an fsync of
 * the directory for `syncDir`.
 */
import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RaftLogError } from './errors.js';
import { type WalDisk } from './wal-disk.js';

/** Files kept open for writing at once. */
const FS_WAL_HANDLES_MAX = 4;

export class FsWalDisk implements WalDisk {
  readonly dir: string;
  readonly #handles = new Map<string, FileHandle>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * The directory `dir`, created when missing.
   * @throws RaftLogError WAL_IO_FAILED when it cannot be created
   */
  static async open(dir: string): Promise<FsWalDisk> {
    await io('mkdir', dir, () => mkdir(dir, { recursive: true }));
    return new FsWalDisk(dir);
  }

  list(): Promise<string[]> {
    return io('list', this.dir, () => readdir(this.dir));
  }

  async read(name: string): Promise<Uint8Array> {
    const b = await io('read', name, () => readFile(this.#path(name)));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  async create(name: string): Promise<void> {
    await this.#close(name);
    await io('create', name, async () => (await open(this.#path(name), 'w')).close());
  }

  async append(name: string, parts: readonly Uint8Array[]): Promise<void> {
    const h = await this.#handle(name);
    await io('append', name, async () => {
      const total = parts.reduce((n, p) => n + p.length, 0);
      const { bytesWritten } = await h.writev(parts as Uint8Array[]);
      // A short write of a regular file is rare (a full disk, a signal): write the rest.
      if (bytesWritten < total) {
        const rest = Buffer.concat(parts as Uint8Array[]).subarray(bytesWritten);
        for (let done = 0; done < rest.length;) done += (await h.write(rest, done, rest.length - done)).bytesWritten;
      }
    });
  }

  async sync(name: string): Promise<void> {
    const h = await this.#handle(name);
    await io('sync', name, () => h.datasync());
  }

  async truncate(name: string, size: number): Promise<void> {
    await this.#close(name);
    await io('truncate', name, () => truncate(this.#path(name), size));
    await this.sync(name);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#close(from);
    await this.#close(to);
    await io('rename', from, () => rename(this.#path(from), this.#path(to)));
  }

  async remove(name: string): Promise<void> {
    await this.#close(name);
    await io('remove', name, () => rm(this.#path(name), { force: true }));
  }

  async syncDir(): Promise<void> {
    await io('syncDir', this.dir, async () => {
      const h = await open(this.dir, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    });
  }

  async close(): Promise<void> {
    for (const name of [...this.#handles.keys()]) await this.#close(name);
  }

  #path(name: string): string {
    return path.join(this.dir, name);
  }

  async #handle(name: string): Promise<FileHandle> {
    let h = this.#handles.get(name);
    if (h === undefined) {
      // Older segments are written no more: keep a few handles, least recently used closed first.
      const oldest = this.#handles.keys().next();
      if (this.#handles.size >= FS_WAL_HANDLES_MAX && oldest.done !== true) await this.#close(oldest.value);
      h = await io('open', name, () => open(this.#path(name), 'a'));
    }
    this.#handles.delete(name);
    this.#handles.set(name, h);
    return h;
  }

  async #close(name: string): Promise<void> {
    const h = this.#handles.get(name);
    if (h === undefined) return;
    this.#handles.delete(name);
    await io('close', name, () => h.close());
  }
}

// Runs one file operation; a failure becomes WAL_IO_FAILED with the operation and the file.
async function io<T>(op: string, file: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new RaftLogError('WAL_IO_FAILED', `${op} ${file}: ${err instanceof Error ? err.message : String(err)}`, { op, file }, { cause: err });
  }
}
