/**
 * A broken invariant is a bug: crash with what was expected, never catch it.
 */

/**
 * Crashes when `condition` is falsy.
 * @throws Error "assertion failed: <message>", a bug, never caught
 */
export function ordererAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
