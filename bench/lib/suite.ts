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
}

export type BenchSetup = () => Promise<BenchCase[]> | BenchCase[];

/** One row of `bench/results/<suite>.json`. */
export interface BenchCaseResult {
  readonly file: string;
  readonly name: string;
  readonly opsPerSec: number;
  readonly meanUs: number;
  readonly p99Us: number;
  readonly samples: number;
  readonly opsPerCall: number;
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
