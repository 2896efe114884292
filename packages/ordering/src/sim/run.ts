/**
 * Runs seeds of the cluster simulation and sums them up; parses the seed
 * ranges the CLI and the tests take (`7`, `1..200`).
 */
import { SimCluster, type SimOptions, type SimResult } from './sim-cluster.js';

export interface SimSummary {
  readonly seeds: number;
  readonly nodes: number;
  readonly blocks: number;
  readonly envelopes: number;
  readonly rounds: number;
  /** The longest heal phase, in rounds. */
  readonly livenessRoundsMax: number;
  readonly faults: Readonly<Record<string, number>>;
}

export interface SeedRange {
  readonly first: number;
  readonly last: number;
}

/**
 * `N` or `A..B` (inclusive, A <= B, non-negative integers).
 * @throws Error when the text is not such a range
 */
export function parseSeedRange(text: string): SeedRange {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`seeds must be N or A..B, not "${text}"`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first || last > 0xffff_ffff) throw new Error(`seed range ${text} is not A..B with A <= B < 2^32`);
  return { first, last };
}

/** Runs one seed. @throws SimFailure with the replay command */
export function runSeed(seed: number, nodes: 3 | 5, options: Omit<SimOptions, 'seed' | 'nodes'> = {}): Promise<SimResult> {
  return new SimCluster({ seed, nodes, ...options }).run();
}

/** Runs every seed of `range` in order, stopping at the first failure. @throws SimFailure */
export async function runSeeds(range: SeedRange, nodes: 3 | 5, options: Omit<SimOptions, 'seed' | 'nodes'> = {}): Promise<SimSummary> {
  let blocks = 0, envelopes = 0, rounds = 0, livenessRoundsMax = 0;
  const faults: Record<string, number> = {};
  for (let seed = range.first; seed <= range.last; seed++) {
    const r = await runSeed(seed, nodes, options);
    blocks += r.blocks;
    envelopes += r.envelopes;
    rounds += r.rounds;
    livenessRoundsMax = Math.max(livenessRoundsMax, r.livenessRounds);
    for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
  }
  return { seeds: range.last - range.first + 1, nodes, blocks, envelopes, rounds, livenessRoundsMax, faults };
}

/** One line per summary, for the CLI and test logs. */
export function formatSummary(s: SimSummary): string {
  const faults = Object.entries(s.faults).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${s.seeds} seeds passed (${s.nodes} nodes): ${s.blocks} blocks, ${s.envelopes} envelopes, ${s.rounds} rounds, longest heal ${s.livenessRoundsMax} rounds; faults: ${faults}`;
}
