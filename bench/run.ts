/**
 * `npm run bench` runs every suite; `npm run bench -- <suite> [...]` runs the
 * named ones (protocol, ledger, endorsement, ordering, ...). Each suite
 * prints a table and writes bench/results/<suite>.json.
 * Options: --time <ms> per case (default 2000), --filter <substring>.
 */
import { readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { BenchCaseResult, BenchSetup, BenchSuiteResult } from './lib/suite.js';

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
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: BenchSetup };
    const cases = (await mod.default()).filter((c) => !filter || c.name.includes(filter));
    for (const c of cases) {
      const bench = new Bench({ time: timeMs, warmupTime: Math.min(500, timeMs / 4) });
      bench.add(c.name, c.fn as () => unknown);
      await bench.run();
      const task = bench.tasks[0]!;
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${suite}/${file} "${c.name}" did not complete: ${r.state}${'error' in r ? ` ${String(r.error)}` : ''}`);
      const opsPerCall = c.opsPerCall ?? 1;
      rows.push({
        file: `${suite}/${file.replace(/\.js$/, '.ts')}`,
        name: c.name,
        // 1 / mean latency: tinybench's throughput.mean averages per-sample 1/latency, which overstates
        // the rate when latency varies (a case with occasional stalls).
        opsPerSec: Math.round((1000 / r.latency.mean) * opsPerCall),
        meanUs: round(r.latency.mean * 1000),
        p99Us: round(r.latency.p99 * 1000),
        samples: r.latency.samplesCount,
        opsPerCall,
        ...(c.note ? { note: c.note } : {}),
      });
      const last = rows[rows.length - 1]!;
      console.log(`  ${pad(last.name, 52)} ${padL(last.opsPerSec.toLocaleString('en-US'), 12)} ops/s  mean ${padL(String(last.meanUs), 10)} µs  p99 ${padL(String(last.p99Us), 10)} µs  n=${last.samples}`);
    }
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
