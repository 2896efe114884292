/**
 * The child process of the durable log's real-process crash test
 * (test/wal-sigkill.test.ts), which kills it with SIGKILL at seeded moments:
 *
 *   node dist/wal/wal-crash-child.js <dir> <seed> <life> <saves> <segment bytes max>
 *
 * Opens the log in `dir` (recovering what the last kill left), then saves
 * the seeded workload (wal-workload.ts) one save at a time. Reports on
 * stdout, one line each, written synchronously so a line is in the pipe
 * before the next save starts:
 *
 *   open <last index>   the log is open (and recovered)
 *   saved <n>           the n-th save (from 1) resolved: it is durable
 *   done                every save resolved and the log is closed
 *
 * Any failure is printed on stderr and exits with status 1.
 */
import { writeSync } from 'node:fs';
import { RaftLogStore } from './raft-log-store.js';
import { nextSave, workloadRng } from './wal-workload.js';

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

async function main(args: readonly string[]): Promise<void> {
  const [dir, seedText, lifeText, savesText, segmentText] = args;
  const [seed, life, saves, segmentBytesMax] = [seedText, lifeText, savesText, segmentText].map(Number);
  if (!dir || ![seed, life, saves, segmentBytesMax].every((n) => Number.isSafeInteger(n) && n! >= 0)) {
    throw new Error('usage: wal-crash-child <dir> <seed> <life> <saves> <segment bytes max>');
  }
  const store = await RaftLogStore.open(dir, { segmentBytesMax: segmentBytesMax! });
  say(`open ${store.lastIndex()}`);
  const rng = workloadRng(seed!, life!);
  for (let n = 1; n <= saves!; n++) {
    await store.save(nextSave(rng, store));
    say(`saved ${n}`);
  }
  await store.close();
  say('done');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`wal-crash-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
