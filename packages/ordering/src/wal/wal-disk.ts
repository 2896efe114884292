/**
 * The file operations the durable Raft log needs, in one directory, so one
 * store runs on a real directory (`FsWalDisk`) and on a simulated disk with
 * seeded crashes (`MemoryWalDisk`); both pass one compliance suite.
 *
 * Durability contract (what a crash may take back):
 * - `append` is durable after the file's next `sync` (fdatasync);
 * - `create`, `rename`, `remove` are durable after the next `syncDir`, and
 *   reach the disk in the order they were made;
 * - a file's size may grow before its pages are written, so a crash may
 *   leave an unsynced tail cut anywhere, zero-filled or holding garbage.
 */
export interface WalDisk {
  /** Names of the files in the directory. */
  list(): Promise<string[]>;
  /** The whole content of `name`. */
  read(name: string): Promise<Uint8Array>;
  /** Creates `name` empty (emptying it when it exists). */
  create(name: string): Promise<void>;
  /** Appends `parts`, in order, at the end of `name`. */
  append(name: string, parts: readonly Uint8Array[]): Promise<void>;
  /** Makes what was appended to `name` durable (fdatasync). */
  sync(name: string): Promise<void>;
  /** Cuts `name` to `size` bytes and makes that durable. */
  truncate(name: string, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** Makes the directory's entries durable (fsync of the directory). */
  syncDir(): Promise<void>;
  /** Releases open files; the disk is not used afterwards. */
  close(): Promise<void>;
}
