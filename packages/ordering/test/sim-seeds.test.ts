/**
 * The cluster simulation over fixed seeds (reproducible in CI): 3- and
 * 5-node clusters under seeded faults, checked after every round, healed and
 * checked for liveness. SIM_SEEDS=A..B runs other seeds (both sizes),
 * SIM_VERBOSE=1 prints the trace; a failure names the seed and the command
 * that replays it (npm run sim -- --seeds N --nodes 3|5 --verbose).
 */
import { describe, expect, it } from 'vitest';
import { formatSummary, parseSeedRange, runSeeds } from '../src/sim/index.js';

const override = process.env.SIM_SEEDS;
const options = process.env.SIM_VERBOSE === '1' ? { log: (line: string) => console.log(line) } : {};
const SEEDS_3 = parseSeedRange(override ?? '1..250');
const SEEDS_5 = parseSeedRange(override ?? '1001..1250');

describe('cluster simulation', () => {
  it(`3 orderers, seeds ${SEEDS_3.first}..${SEEDS_3.last}`, async () => {
    const s = await runSeeds(SEEDS_3, 3, options);
    console.log(formatSummary(s));
    expect(s.seeds).toBe(SEEDS_3.last - SEEDS_3.first + 1);
  }, 600_000);

  it(`5 orderers, seeds ${SEEDS_5.first}..${SEEDS_5.last}`, async () => {
    const s = await runSeeds(SEEDS_5, 5, options);
    console.log(formatSummary(s));
    expect(s.seeds).toBe(SEEDS_5.last - SEEDS_5.first + 1);
  }, 600_000);
});
