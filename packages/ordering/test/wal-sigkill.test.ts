/**
 * The durable log under real SIGKILLs: a child process
 * (src/wal/wal-crash-child.ts, run from dist/) saves a seeded workload on a
 * real directory and is killed at seeded moments (some time after its
 * spawn, or right after or a few milliseconds after its k-th
 * acknowledgement). After each kill the log reopened here must be the log
 * after every save the child acknowledged, plus or minus the save in
 * flight (or that save's snapshot alone, when the kill fell between its
 * snapshot file and its WAL record); the next child carries on from there.
 * The last child runs to the end.
 *
 * Seeds: WAL_KILL_SEEDS=A..B (default 1..5). A seed fixes when each kill is
 * sent, not where the child stands then. Needs dist/ (`npx tsc -p
 * tsconfig.build.json` in packages/ordering).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { seedsFromEnv } from '@alliance/ledger/testing';
import { RaftLogStore } from '../src/wal/index.js';
import { logImage, modelOf, nextSave, workloadRng, WorkloadModel } from '../src/wal/wal-workload.js';
import { crashImages } from './wal-harness.js';

const CHILD = fileURLToPath(new URL('../dist/wal/wal-crash-child.js', import.meta.url));
const SEEDS = seedsFromEnv('WAL_KILL_SEEDS', 1, 5);
/** Kills per seed; then a last child runs to the end. */
const KILLS = 3;
/** Saves one child makes when not killed. */
const CHILD_SAVES = 150;
const SEGMENT_BYTES_MAX = 4096;
/** Time-based kills land this long after the spawn at most (start-up is ~150 ms). */
const KILL_AFTER_SPAWN_MS_MAX = 400;
/** Report-based kills land this long after the report at most. */
const KILL_AFTER_REPORT_MS_MAX = 5;
const CHILD_RUN_MS_MAX = 30_000;

type KillPlan = { readonly afterSpawnMs: number } | { readonly afterSaves: number; readonly afterMs: number };

interface ChildRun { readonly opened: boolean; readonly saved: number; readonly done: boolean; readonly killed: boolean; readonly stderr: string; readonly code: number | null }

let root: string;
beforeAll(() => {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npx tsc -p tsconfig.build.json\` in packages/ordering first`);
  root = mkdtempSync(path.join(os.tmpdir(), 'alliance-wal-kill-'));
});
afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

function runChild(dir: string, seed: number, life: number, plan: KillPlan | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(seed), String(life), String(CHILD_SAVES), String(SEGMENT_BYTES_MAX)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let opened = false, saved = 0, done = false, killed = false, out = '', stderr = '';
    const timers: NodeJS.Timeout[] = [];
    const kill = () => { killed = true; child.kill('SIGKILL'); };
    if (plan && 'afterSpawnMs' in plan) timers.push(setTimeout(kill, plan.afterSpawnMs));
    timers.push(setTimeout(kill, CHILD_RUN_MS_MAX));
    const report = (line: string) => {
      if (line.startsWith('open ')) opened = true;
      else if (line.startsWith('saved ')) {
        saved++;
        expect(Number(line.slice(6)), 'acknowledgements are consecutive').toBe(saved);
      } else if (line === 'done') done = true;
      else stderr += `\n(unexpected report ${JSON.stringify(line)})`;
      if (plan && 'afterSaves' in plan && saved === plan.afterSaves && !killed && line.startsWith(plan.afterSaves === 0 ? 'open' : 'saved')) {
        if (plan.afterMs === 0) kill(); else timers.push(setTimeout(kill, plan.afterMs));
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) { report(out.slice(0, nl)); out = out.slice(nl + 1); }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => { for (const t of timers) clearTimeout(t); resolve({ opened, saved, done, killed, stderr, code }); });
  });
}

function drawKill(rng: Rng, life: number): KillPlan {
  // The first kill always follows an acknowledgement, so every seed kills a child mid-workload.
  if (life > 0 && rngIntBelow(rng, 4) === 0) return { afterSpawnMs: rngIntBelow(rng, KILL_AFTER_SPAWN_MS_MAX) };
  return { afterSaves: rngIntBelow(rng, 60), afterMs: rngIntBelow(rng, 2) === 0 ? 0 : rngIntBelow(rng, KILL_AFTER_REPORT_MS_MAX + 1) };
}

/** The images the log may have after `saved` acknowledged saves of this life from `start`, and the one in flight. */
function allowed(start: WorkloadModel, seed: number, life: number, saved: number, done: boolean): string[] {
  const rng = workloadRng(seed, life);
  const model = start.copy();
  for (let i = 0; i < saved; i++) model.save(nextSave(rng, model));
  if (done || saved === CHILD_SAVES) return crashImages(model, undefined);
  return crashImages(model, nextSave(rng, model));
}

async function runSeed(seed: number): Promise<{ kills: number; acked: number }> {
  const rng = createRng(seed);
  const dir = mkdtempSync(path.join(root, `seed-${seed}-`));
  let model = new WorkloadModel();
  const stats = { kills: 0, acked: 0 };
  for (let life = 0; life <= KILLS; life++) {
    const plan = life < KILLS ? drawKill(rng, life) : undefined;
    const run = await runChild(dir, seed, life, plan);
    const how = `seed ${seed} life ${life}: code ${run.code}, stderr: ${run.stderr.trim() || '(none)'}`;
    expect(run.code === 0 || run.killed, how).toBe(true);
    if (plan === undefined) expect(run.done, how).toBe(true);
    if (run.killed && !run.done) stats.kills++;
    stats.acked += run.saved;
    const store = await RaftLogStore.open(dir, { segmentBytesMax: SEGMENT_BYTES_MAX });
    try {
      const got = logImage(store);
      const ok = allowed(model, seed, life, run.saved, run.done);
      expect(ok, `${how}: after ${run.saved} acknowledged saves the log is none of the ${ok.length} allowed`).toContain(got);
      if (run.done) expect(got).toBe(ok[0]);
      model = modelOf(store);
    } finally {
      await store.close();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return stats;
}

describe(`durable Raft log under SIGKILL (WAL_KILL_SEEDS=${SEEDS[0]}..${SEEDS.at(-1)})`, () => {
  it.concurrent.each(SEEDS)('seed %i: every acknowledged save survives the kill', async (seed) => {
    const stats = await runSeed(seed);
    expect(stats.acked).toBeGreaterThan(CHILD_SAVES);
    expect(stats.kills).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
