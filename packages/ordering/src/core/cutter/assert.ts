/**
 * A broken invariant is a bug: crash with what was expected, never catch it.
 * (The core cannot use node:assert; this is the same contract.)
 */

/**
 * Crashes when `condition` is falsy.
 * @throws Error "assertion failed: <message>", a bug, never caught
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
