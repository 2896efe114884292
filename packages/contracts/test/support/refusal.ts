/** Awaiting a testbed call that must fail. */
import { TestbedError } from '../../src/index.js';

/** The TestbedError a call rejects with; anything else (or success) fails the test. */
export async function refusal(call: Promise<unknown>): Promise<TestbedError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof TestbedError)) throw new Error(`expected a TestbedError, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}
