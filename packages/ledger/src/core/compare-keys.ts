/**
 * The order of state keys. Fabric's state database (LevelDB) and its update
 * batches order keys by their UTF-8 bytes (Go compares strings byte by
 * byte). JavaScript's `<` compares UTF-16 code units instead, which agrees
 * below U+D800 but not above: a character beyond U+FFFF (a surrogate pair,
 * 0xD800–0xDFFF) sorts before U+E000–U+FFFF in UTF-16 and after them in
 * UTF-8. Every place that orders keys uses `compareKeys`, so range scans,
 * update batches and the commit hash agree with Fabric.
 */

// Remaps code units at or above U+D800 so that surrogates (which stand for
// code points above U+FFFF) come after U+E000–U+FFFF, as in UTF-8 and in
// code point order: 0xD800–0xDFFF -> 0xF800–0xFFFF, 0xE000–0xFFFF -> 0xD800–0xF7FF.
function fixUp(unit: number): number {
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/**
 * Compares two keys by the UTF-8 bytes of their encoding (= code point order)
 * without encoding them. Returns a negative number, 0 or a positive number.
 * The first differing code unit decides; below U+D800 (every ASCII key) it
 * is compared as it is. A lone surrogate, which has no UTF-8 form, sorts as
 * the code points its surrogate range stands for; the order stays total.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca < 0xd800 || cb < 0xd800) return ca - cb;
    return fixUp(ca) - fixUp(cb);
  }
  return a.length - b.length;
}

/** Whether `key` lies in [startKey, endKey) in key order; an empty endKey means no upper bound. */
export function keyInRange(key: string, startKey: string, endKey: string): boolean {
  return compareKeys(key, startKey) >= 0 && (endKey === '' || compareKeys(key, endKey) < 0);
}
