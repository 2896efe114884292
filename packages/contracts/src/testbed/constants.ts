/**
 * Bounds of the contract testbed, named and in one place; relations
 * asserted at load. A testbed is a whole channel in one process (a ledger,
 * an endorser and a CA per organization), so its sizes are kept small.
 */

/** Organizations of one testbed, each with its own peer, ledger and endorser. */
export const TESTBED_ORGS_MAX = 16;
/** Named contracts defined on one testbed's channel. */
export const TESTBED_CONTRACTS_MAX = 16;
/** Transactions committed together in one block by `Testbed.commit`. */
export const TESTBED_BLOCK_TXS_MAX = 1000;
/** Contract events `Testbed.events` keeps; the oldest are dropped first. */
export const TESTBED_EVENTS_KEPT_MAX = 10_000;
/** How far the testbed's clock moves for each proposal by default (proposals get distinct, ordered timestamps). */
export const TESTBED_CLOCK_STEP_MS_DEFAULT = 1000;
/** The largest clock step a testbed accepts: the endorsers' window for proposal timestamps is 15 minutes. */
export const TESTBED_CLOCK_STEP_MS_MAX = 60_000;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

check(TESTBED_ORGS_MAX >= 1 && TESTBED_CONTRACTS_MAX >= 2, 'a testbed holds one org and two contracts calling each other');
check(TESTBED_CLOCK_STEP_MS_DEFAULT >= 0 && TESTBED_CLOCK_STEP_MS_DEFAULT <= TESTBED_CLOCK_STEP_MS_MAX, 'the default step is allowed');
check(TESTBED_CLOCK_STEP_MS_MAX < 15 * 60_000, 'one step never leaves the endorsers\' timestamp window');
