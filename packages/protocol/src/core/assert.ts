/** A broken invariant is a bug: crash with what was expected, never catch it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
