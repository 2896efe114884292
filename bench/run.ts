/**
 * `npm run bench` runs every suite; `npm run bench -- <suite> [...]` runs the
 * named ones (protocol, ledger, endorsement, ordering, ...). Each suite
 * prints a table and writes bench/results/<suite>.json.
 * Options: --time <ms> per case (default 2000), --filter <substring>.
 * A case with `iterations` runs exactly that many calls instead (see
 * lib/suite.ts), for work that can be done once per prepared input.
 */
import { readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { BenchCase, BenchCaseResult, BenchSetup, BenchSuiteResult, BenchTeardown } from './lib/suite.js';

const distDir = path.dirname(fileURLToPath(import.meta.url));
const benchDir = path.resolve(distDir, '..');
const resultsDir = path.join(benchDir, 'results');

function parseArgs(argv: string[]): { suites: string[]; timeMs: number; filter?: string } {
  const suites: string[] = [];
  let timeMs = 2000;
  let filter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--time') timeMs = Number(argv[++i]);
    else if (a === '--filter') filter = argv[++i];
    else suites.push(a);
  }
  if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error('--time takes a positive number of milliseconds');
  return { suites, timeMs, filter };
}

function availableSuites(): string[] {
  return readdirSync(distDir).filter((d) => {
    const full = path.join(distDir, d);
    return d !== 'lib' && statSync(full).isDirectory() && readdirSync(full).some((f) => f.endsWith('.bench.js'));
  }).sort();
}

async function runSuite(suite: string, timeMs: number, filter: string | undefined): Promise<BenchSuiteResult> {
  const dir = path.join(distDir, suite);
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.js')).sort();
  const rows: BenchCaseResult[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: BenchSetup; teardown?: BenchTeardown };
    const cases = (await mod.default()).filter((c) => !filter || c.name.includes(filter));
    for (const c of cases) {
      await c.before?.();
      const m = c.iterations === undefined ? await timeBoxed(c, `${suite}/${file}`, timeMs) : await fixedCount(c, c.iterations);
      await c.after?.();
      const opsPerCall = c.opsPerCall ?? 1;
      rows.push({
        file: `${suite}/${file.replace(/\.js$/, '.ts')}`,
        name: c.name,
        // 1 / mean latency: tinybench's throughput.mean averages per-sample 1/latency, which overstates
        // the rate when latency varies (a case with occasional stalls). Fixed-count cases: calls / wall time.
        opsPerSec: Math.round((m.wallMs === undefined ? 1000 / m.meanMs : (1000 * m.samples) / m.wallMs) * opsPerCall),
        meanUs: round(m.meanMs * 1000),
        p99Us: round(m.p99Ms * 1000),
        samples: m.samples,
        opsPerCall,
        ...((c.concurrency ?? 1) > 1 ? { concurrency: c.concurrency } : {}),
        ...(m.wallMs !== undefined ? { wallMs: round(m.wallMs) } : {}),
        ...(c.note ? { note: c.note } : {}),
      });
      const last = rows[rows.length - 1]!;
      console.log(`  ${pad(last.name, 52)} ${padL(last.opsPerSec.toLocaleString('en-US'), 12)} ops/s  mean ${padL(String(last.meanUs), 10)} µs  p99 ${padL(String(last.p99Us), 10)} µs  n=${last.samples}`);
    }
    await mod.teardown?.();
  }
  const cpus = os.cpus();
  return {
    suite,
    date: new Date().toISOString(),
    command: `npm run bench -- ${suite}`,
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()} ${os.arch()}` },
    node: process.version,
    cases: rows,
  };
}

interface Measured {
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly samples: number;
  /** Fixed-count cases only. */
  readonly wallMs?: number;
}

async function timeBoxed(c: BenchCase, label: string, timeMs: number): Promise<Measured> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(500, timeMs / 4) });
  bench.add(c.name, c.fn as () => unknown);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${label} "${c.name}" did not complete: ${r.state}${'error' in r ? ` ${String(r.error)}` : ''}`);
  return { meanMs: r.latency.mean, p99Ms: r.latency.p99, samples: r.latency.samplesCount };
}

// Exactly `iterations` calls, up to `concurrency` in flight, calls started in order.
async function fixedCount(c: BenchCase, iterations: number): Promise<Measured> {
  const concurrency = c.concurrency ?? 1;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`"${c.name}": iterations must be a positive integer`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`"${c.name}": concurrency must be a positive integer`);
  const samplesMs: number[] = [];
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < iterations) {
      started++;
      const t0 = performance.now();
      await c.fn();
      samplesMs.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, iterations) }, lane));
  const wallMs = performance.now() - t0;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length, p99Ms: quantile(sorted, 0.99), samples: samplesMs.length, wallMs };
}

// Linear interpolation between closest ranks, as tinybench computes its percentiles.
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function round(x: number): number {
  return x >= 100 ? Math.round(x) : Math.round(x * 100) / 100;
}
function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function padL(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

const { suites: wanted, timeMs, filter } = parseArgs(process.argv.slice(2));
const all = availableSuites();
const suites = wanted.length ? wanted : all;
for (const s of suites) if (!all.includes(s)) throw new Error(`unknown suite "${s}"; available: ${all.join(', ')}`);
mkdirSync(resultsDir, { recursive: true });
for (const suite of suites) {
  console.log(`\n== ${suite} (Node ${process.version}, ${os.cpus().length} cores)`);
  const result = await runSuite(suite, timeMs, filter);
  if (!filter) writeFileSync(path.join(resultsDir, `${suite}.json`), JSON.stringify(result, null, 2) + '\n');
  else console.log('  (--filter given: results not written)');
}
