/**
 * The benchmark convention: each `bench/<suite>/*.bench.ts` default-exports
 * an async setup that returns its cases. Setup runs outside timing; each
 * case's `fn` is the timed unit of work.
 */
export interface BenchCase {
  readonly name: string;
  /** The timed work. May be async. */
  readonly fn: () => unknown;
  /** Operations one call performs (a batch of N counts N); default 1. */
  readonly opsPerCall?: number;
  /** A word on what the case measures, printed with its row. */
  readonly note?: string;
  /**
   * Fixed-count mode, for work that can be done only once per prepared
   * input (committing pre-built blocks): the runner calls `fn` exactly this
   * many times, without warmup, and each call is one sample. Without it,
   * tinybench runs `fn` for the suite's time budget.
   */
  readonly iterations?: number;
  /**
   * With `iterations`: calls kept in flight at once (default 1); a call
   * starts as soon as one settles. A sample is then one call's latency
   * under that load, and ops/s is calls x opsPerCall / wall time, not
   * 1 / mean latency.
   */
  readonly concurrency?: number;
  /** Untimed, once before the case's first call (fresh state per case). */
  readonly before?: () => Promise<void> | void;
  /** Untimed, once after the case's last call. */
  readonly after?: () => Promise<void> | void;
}

export type BenchSetup = () => Promise<BenchCase[]> | BenchCase[];

/**
 * Optional named export `teardown` of a bench file: runs after the file's
 * cases (filtered out or not), so what its setup left open (stores,
 * LevelDB compactions) does not run on into the next file's timings.
 */
export type BenchTeardown = () => Promise<void> | void;

/** One row of `bench/results/<suite>.json`. */
export interface BenchCaseResult {
  readonly file: string;
  readonly name: string;
  readonly opsPerSec: number;
  readonly meanUs: number;
  readonly p99Us: number;
  readonly samples: number;
  readonly opsPerCall: number;
  /** Fixed-count cases with more than one call in flight: how many (meanUs is then latency under load). */
  readonly concurrency?: number;
  /** Fixed-count cases: wall time of all calls, the base of opsPerSec. */
  readonly wallMs?: number;
  readonly note?: string;
}

export interface BenchSuiteResult {
  readonly suite: string;
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly os: string };
  readonly node: string;
  readonly cases: BenchCaseResult[];
}
