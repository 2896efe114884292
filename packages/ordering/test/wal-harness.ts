/**
 * One harness per WalDisk, so the durable log's compliance suite runs the
 * same tests on a real directory and on the simulated disk. Damage is done
 * to the files a closed store left, so both are tested on the same images.
 */
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EntryType, type Entry } from '../src/core/raft/types.js';
import { MemoryWalDisk, RaftLogStore, type RaftLogSave, type RaftLogStoreOptions } from '../src/wal/index.js';
import { logImage, type WorkloadModel } from '../src/wal/wal-workload.js';

export type Files = Map<string, Uint8Array>;

export interface WalHarness {
  open(options?: RaftLogStoreOptions): Promise<RaftLogStore>;
  /** Closes `store`, lets `edit` change the files it left, and opens them again. */
  reopen(store: RaftLogStore, edit?: (files: Files) => void, options?: RaftLogStoreOptions): Promise<RaftLogStore>;
  /** The files as they are now. */
  files(): Promise<Files>;
  /** Replaces every file (no store open). */
  replace(files: Files): Promise<void>;
  cleanup(): Promise<void>;
}

export async function fsHarness(): Promise<WalHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alliance-wal-'));
  let last: RaftLogStoreOptions = {};
  const files = async (): Promise<Files> => new Map(await Promise.all((await readdir(dir)).sort().map(async (n) => [n, new Uint8Array(await readFile(path.join(dir, n)))] as const)));
  return {
    open: (options = {}) => { last = options; return RaftLogStore.open(dir, options); },
    reopen: async (store, edit, options = last) => {
      await store.close();
      if (edit) {
        const before = await files();
        edit(before);
        for (const n of await readdir(dir)) await unlink(path.join(dir, n));
        for (const [n, b] of before) await writeFile(path.join(dir, n), b);
      }
      last = options;
      return RaftLogStore.open(dir, options);
    },
    files,
    replace: async (files) => {
      for (const n of await readdir(dir)) await unlink(path.join(dir, n));
      for (const [n, b] of files) await writeFile(path.join(dir, n), b);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function memoryHarness(): Promise<WalHarness> {
  let disk = new MemoryWalDisk();
  let last: RaftLogStoreOptions = {};
  return {
    open: (options = {}) => { last = options; return RaftLogStore.openDisk(disk, options); },
    reopen: async (store, edit, options = last) => {
      await store.close();
      const files = disk.files();
      edit?.(files);
      disk = new MemoryWalDisk(files);
      last = options;
      return RaftLogStore.openDisk(disk, options);
    },
    files: async () => disk.files(),
    replace: async (files) => { disk = new MemoryWalDisk(files); },
    cleanup: async () => {},
  };
}

export const harnesses = [['FsWalDisk', fsHarness], ['MemoryWalDisk', memoryHarness]] as const;

/** Entries from..from+count-1 in `term`, with data telling them apart. */
export function entries(from: number, count: number, term: number, bytes = 8): Entry[] {
  return Array.from({ length: count }, (_, k) => ({
    term, index: from + k, type: EntryType.NORMAL, data: Uint8Array.from({ length: bytes }, (_, i) => (from + k + term * 7 + i) & 0xff),
  }));
}

/** The code of what `fn` throws, or undefined. */
export async function codeOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
  return undefined;
}

/**
 * The images a log may recover to after a crash while `inFlight` was being
 * saved on top of `model`: before it, after it, or, when it carried a newer
 * snapshot, with only the snapshot (whose file lands first) — lifted to the
 * snapshot's term and commit, below which recovery never leaves a node.
 */
export function crashImages(model: WorkloadModel, inFlight: RaftLogSave | undefined): string[] {
  const out = [logImage(model)];
  if (inFlight === undefined) return out;
  const done = model.copy();
  done.save(inFlight);
  out.push(logImage(done));
  if (inFlight.snapshot !== undefined && inFlight.snapshot.metadata.index > model.snapshot().metadata.index) {
    const snapOnly = model.copy();
    snapOnly.save({ snapshot: inFlight.snapshot });
    const hs = snapOnly.hardState();
    const { index, term } = inFlight.snapshot.metadata;
    const lifted = hs.term < term ? { term, vote: 0, commit: hs.commit } : hs;
    snapOnly.view.setHardState({ ...lifted, commit: Math.max(lifted.commit, index) });
    out.push(logImage(snapOnly));
  }
  return out;
}
