/**
 * Seeds for the seeded tests: `NAME=A..B` (inclusive) or `NAME=A` in the
 * environment picks them, else the test's default range; a failing seed is
 * reported with the command that runs it alone.
 */

/**
 * The seeds `process.env[name]` names, or `from` … `to`.
 * @throws Error on a malformed value (a typo must not silently run the defaults)
 */
export function seedsFromEnv(name: string, from: number, to: number): number[] {
  const text = process.env[name]?.trim();
  if (text) {
    const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text);
    if (!m) throw new Error(`${name}=${text}: expected A..B or A (non-negative integers)`);
    from = Number(m[1]);
    to = Number(m[2] ?? m[1]);
    if (to < from) throw new Error(`${name}=${text}: the range is empty`);
  }
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The command, run from the test's package directory, that replays `seed` of `file`. */
export function replayCommand(name: string, seed: number, file: string): string {
  return `${name}=${seed}..${seed} npx vitest run ${file}`;
}

/**
 * Runs `body` for `seed`; a failure is rethrown with the replay command
 * prepended (and printed at once, so it is seen even when a run is cut short).
 */
export async function withReplay<T>(name: string, seed: number, file: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const replay = `seed ${seed} failed; replay with: ${replayCommand(name, seed, file)}`;
    console.error(replay);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${replay}\n${message}`, { cause: err });
  }
}
