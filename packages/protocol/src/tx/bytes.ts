/** Byte helpers for the message layers; none of them copies unless it says so. */

/** Whether two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** A new array holding the parts one after another (one copy). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
