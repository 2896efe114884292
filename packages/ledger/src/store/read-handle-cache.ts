/**
 * Read handles on block files, at most a bound of them cached, least
 * recently used closed first. A handle is closed only once no read is using
 * it, so an evicted handle lives on until its reads finish: the open handles
 * number at most the bound plus the reads in progress.
 */
import { open, type FileHandle } from 'node:fs/promises';

interface Entry {
  readonly handle: Promise<FileHandle>;
  users: number;
  evicted: boolean;
}

/** Read handles by file number, opened on first use. */
export class ReadHandleCache {
  // Map order is use order: the first entry is the least recently used.
  readonly #entries = new Map<number, Entry>();
  readonly #pathOf: (file: number) => string;
  readonly #handlesMax: number;

  constructor(pathOf: (file: number) => string, handlesMax: number) {
    this.#pathOf = pathOf;
    this.#handlesMax = handlesMax;
  }

  /**
   * Runs `fn` with a read handle on `file`.
   * @throws whatever opening the file or `fn` throws (an open that failed is not cached)
   */
  async use<T>(file: number, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(file);
    if (entry !== undefined) {
      this.#entries.delete(file);
    } else {
      entry = { handle: open(this.#pathOf(file), 'r'), users: 0, evicted: false };
    }
    this.#entries.set(file, entry);
    this.#trim();
    entry.users++;
    try {
      let handle: FileHandle;
      try {
        handle = await entry.handle;
      } catch (cause) {
        if (this.#entries.get(file) === entry) this.#entries.delete(file);
        throw cause;
      }
      return await fn(handle);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) await closeQuietly(entry);
    }
  }

  /** Closes the handles of `file` and every later file (they are being deleted or replaced). */
  async evictFrom(file: number): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [f, entry] of [...this.#entries]) {
      if (f >= file) closing.push(this.#evict(f, entry));
    }
    await Promise.all(closing);
  }

  /** Closes every handle (those in use once their reads finish). */
  async closeAll(): Promise<void> {
    await this.evictFrom(0);
  }

  #trim(): void {
    while (this.#entries.size > this.#handlesMax) {
      const [f, entry] = this.#entries.entries().next().value!;
      void this.#evict(f, entry);
    }
  }

  async #evict(file: number, entry: Entry): Promise<void> {
    this.#entries.delete(file);
    entry.evicted = true;
    if (entry.users === 0) await closeQuietly(entry);
  }
}

// A read handle holds nothing to flush: a failed open or close loses nothing.
async function closeQuietly(entry: Entry): Promise<void> {
  try {
    await (await entry.handle).close();
  } catch {
    // nothing to do: see above
  }
}
