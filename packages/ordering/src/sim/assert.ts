/**
 * A broken invariant of the simulation's own machinery is a bug.
 * @throws Error "assertion failed: <message>"
 */
export function simAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
