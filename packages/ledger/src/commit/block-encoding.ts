/**
 * Encodes a common.Block byte for byte as protobufjs (and Go) would —
 * fields in number order, every repeated entry written, even an empty one —
 * while recording where each transaction sits in the output, so the block
 * file can serve one transaction without reading its whole block.
 */
import { common } from '@alliance/protocol';

function varintLength(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/** One field: tag, length, bytes. */
function fieldLength(body: number): number {
  return 1 + varintLength(body) + body;
}

export interface EncodedBlock {
  readonly bytes: Uint8Array;
  /** Offset and length of each envelope inside `bytes`. */
  readonly txSpans: readonly (readonly [number, number])[];
}

/** The encoded block and where its envelopes are. */
export function encodeBlockWithSpans(header: common.IBlockHeader, envelopes: readonly Uint8Array[], metadata: readonly Uint8Array[]): EncodedBlock {
  const headerBytes = common.BlockHeader.encode(header).finish();
  let dataBody = 0;
  for (const e of envelopes) dataBody += fieldLength(e.length);
  let metadataBody = 0;
  for (const m of metadata) metadataBody += fieldLength(m.length);
  const total = fieldLength(headerBytes.length) + fieldLength(dataBody) + fieldLength(metadataBody);
  const out = new Uint8Array(total);
  let at = 0;
  out[at++] = 0x0a;
  at = writeVarint(out, at, headerBytes.length);
  out.set(headerBytes, at);
  at += headerBytes.length;
  out[at++] = 0x12;
  at = writeVarint(out, at, dataBody);
  const txSpans: [number, number][] = [];
  for (const e of envelopes) {
    out[at++] = 0x0a;
    at = writeVarint(out, at, e.length);
    txSpans.push([at, e.length]);
    out.set(e, at);
    at += e.length;
  }
  out[at++] = 0x1a;
  at = writeVarint(out, at, metadataBody);
  for (const m of metadata) {
    out[at++] = 0x0a;
    at = writeVarint(out, at, m.length);
    out.set(m, at);
    at += m.length;
  }
  if (at !== total) throw new Error(`assertion failed: block encoding wrote ${at} of ${total} bytes`);
  return { bytes: out, txSpans };
}
