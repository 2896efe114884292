/**
 * A broken invariant of the chain is a bug: crash with what was expected, never catch it.
 * @throws Error "assertion failed: <message>"
 */
export function chainAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
