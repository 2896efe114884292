/**
 * A chain of blocks in one file, to hand a prepared chain to a child
 * process (the crash tests): each block as [length u32 BE][block bytes],
 * back to back, block 0 first.
 */

const LENGTH_BYTES = 4;

/** The file's bytes for `blocks`. */
export function encodeBlockChain(blocks: readonly Uint8Array[]): Uint8Array {
  const out = Buffer.alloc(blocks.reduce((n, b) => n + LENGTH_BYTES + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.writeUInt32BE(b.length, at);
    out.set(b, at + LENGTH_BYTES);
    at += LENGTH_BYTES + b.length;
  }
  return out;
}

/**
 * The blocks of a file written by `encodeBlockChain`.
 * @throws Error when the file ends inside a block
 */
export function decodeBlockChain(bytes: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const blocks: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + LENGTH_BYTES > buf.length) throw new Error(`block chain file: a length is cut off at byte ${at}`);
    const length = buf.readUInt32BE(at);
    if (at + LENGTH_BYTES + length > buf.length) throw new Error(`block chain file: block ${blocks.length} is cut off`);
    blocks.push(buf.subarray(at + LENGTH_BYTES, at + LENGTH_BYTES + length));
    at += LENGTH_BYTES + length;
  }
  return blocks;
}
