/**
 * The child process of the crash tests (test/crash-process.test.ts), which
 * kill it with SIGKILL at seeded moments:
 *
 *   node dist/testing/crash-child.js <ledger dir> <chain file> <seed> <workers>
 *
 * Opens the ledger in the directory (recovering whatever the last kill left)
 * with `workers` signature threads (0: checks on the main thread),
 * then commits the chain's blocks from the ledger's height on, offering a
 * seeded number of them at once (1 … PIPELINE_BLOCKS_MAX + 2) so the
 * pipeline overlaps blocks and makes callers wait for room. Reports on
 * stdout, one line each, written synchronously so a line is in the pipe
 * before the next step starts:
 *
 *   open <height>   the ledger is open (and recovered) at this height
 *   acked <n>       commitBlock of block n resolved: block n is durable
 *   done            every block is committed and the ledger closed
 *
 * Any failure is printed on stderr and exits with status 1.
 */
import { readFileSync, writeSync } from 'node:fs';
import { PIPELINE_BLOCKS_MAX } from '../constants.js';
import { createRng, rngIntBelow } from '../core/rng.js';
import { Ledger } from '../ledger.js';
import { decodeBlockChain } from './block-chain-file.js';

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

async function main(args: readonly string[]): Promise<void> {
  const [dir, chainFile, seedText, workersText] = args;
  const seed = Number(seedText);
  const workers = Number(workersText);
  if (!dir || !chainFile || !Number.isSafeInteger(seed) || !Number.isSafeInteger(workers) || workers < 0) {
    throw new Error('usage: crash-child <ledger dir> <chain file> <seed> <workers>');
  }
  const blocks = decodeBlockChain(readFileSync(chainFile));
  const rng = createRng(seed);
  const ledger = await Ledger.open({ dir, workers });
  say(`open ${ledger.height}`);
  let next = ledger.height;
  while (next < blocks.length) {
    const offered = Math.min(blocks.length - next, 1 + rngIntBelow(rng, PIPELINE_BLOCKS_MAX + 2));
    const commits: Promise<void>[] = [];
    for (let i = 0; i < offered; i++) {
      commits.push(ledger.commitBlock(blocks[next + i]!).then((r) => say(`acked ${r.blockNum}`)));
    }
    await Promise.all(commits);
    next += offered;
  }
  await ledger.close();
  say('done');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`crash-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
