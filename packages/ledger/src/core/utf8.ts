/**
 * UTF-8 into a buffer the caller sized, without an intermediate array: the
 * commit path builds several keys per write (state, history, update-batch
 * bytes), and a TextEncoder.encode per string was a separate ArrayBuffer
 * each, most of the block's garbage. Same bytes as TextEncoder: a lone
 * surrogate becomes U+FFFD.
 */

const utf8 = new TextEncoder();

/** Bytes of `s` in UTF-8. */
export function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return s.length;
}

/** Writes `s` as UTF-8 into `out` at `at` (room for utf8Length(s) bytes) and returns the offset after it. */
export function writeUtf8(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return at + utf8.encodeInto(s, out.subarray(at)).written;
    out[at + i] = c;
  }
  return at + s.length;
}
