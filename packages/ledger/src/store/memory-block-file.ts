/**
 * One simulated block file: bytes that grow by appends (capacity doubling,
 * so a file of n bytes costs O(n) to build) and shrink by truncation.
 */
import { strict as assert } from 'node:assert';

/** A growable byte file held in memory. */
export class MemoryBlockFile {
  #bytes = new Uint8Array(0);
  #size = 0;

  /** A file holding a copy of `bytes`. */
  static of(bytes: Uint8Array): MemoryBlockFile {
    const f = new MemoryBlockFile();
    f.append(bytes);
    return f;
  }

  /** Bytes in the file. */
  get size(): number {
    return this.#size;
  }

  /** Adds a copy of `data` at the end. */
  append(data: Uint8Array): void {
    const needed = this.#size + data.length;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, 2 * this.#bytes.length));
      grown.set(this.#bytes.subarray(0, this.#size));
      this.#bytes = grown;
    }
    this.#bytes.set(data, this.#size);
    this.#size = needed;
  }

  /** Cuts the file to `size` bytes (no more than it holds). */
  truncate(size: number): void {
    assert(size <= this.#size, 'truncate only shrinks a file');
    this.#size = size;
  }

  /**
   * A copy of `length` bytes at `offset`, in a Buffer with its own memory
   * (as the file store's reads, so the caller may transfer it).
   */
  read(offset: number, length: number): Buffer {
    assert(offset + length <= this.#size, 'a read stays inside the file');
    const out = Buffer.allocUnsafeSlow(length);
    out.set(this.#bytes.subarray(offset, offset + length));
    return out;
  }

  /** A copy of the whole file, exactly its size. */
  image(): Uint8Array {
    return this.#bytes.slice(0, this.#size);
  }
}
