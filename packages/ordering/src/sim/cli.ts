/**
 * The simulation's command line (the shell around src/sim/):
 *   npm run sim -- --seeds A..B [--nodes 3|5] [--rounds N] [--verbose] [--lying-disks]
 * SIM_VERBOSE=1 prints the trace too. --lying-disks runs on disks that
 * acknowledge fsyncs they never make: a deliberately broken run the checkers must fail. Exits 1 with the replay command when a seed fails.
 */
import process from 'node:process';
import { formatSummary, parseSeedRange, runSeeds } from './run.js';

function usage(): never {
  console.error('usage: npm run sim -- --seeds A..B [--nodes 3|5] [--rounds N] [--verbose] [--lying-disks]');
  process.exit(2);
}

async function main(argv: readonly string[]): Promise<void> {
  let seeds = '1..20';
  let nodes: 3 | 5 = 3;
  let rounds: number | undefined;
  let verbose = process.env.SIM_VERBOSE === '1';
  let lyingDisks = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const value = () => argv[++k] ?? usage();
    if (a === '--seeds') seeds = value();
    else if (a === '--nodes') {
      const n = Number(value());
      if (n !== 3 && n !== 5) usage();
      nodes = n;
    } else if (a === '--rounds') rounds = Number(value());
    else if (a === '--verbose') verbose = true;
    else if (a === '--lying-disks') lyingDisks = true;
    else usage();
  }
  const started = performance.now();
  const summary = await runSeeds(parseSeedRange(seeds), nodes, {
    ...(rounds !== undefined && { faultRounds: rounds }),
    ...(lyingDisks && { lyingDisks }),
    ...(verbose && { log: (line: string) => console.log(line) }),
  });
  console.log(`${formatSummary(summary)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
