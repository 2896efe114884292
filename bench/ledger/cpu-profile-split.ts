/**
 * Reads the `.cpuprofile` files `node --cpu-prof` writes (one per thread:
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 the main
 * one), keeps the samples inside a window of the monotonic clock, and
 * attributes each to the innermost stack frame a rule names: a pipeline
 * stage on the main thread, a part of a signature check in a worker.
 * Samples no rule claims count as "other"; "(idle)" samples are not CPU.
 *
 *   node dist/ledger/cpu-profile-split.js <profile.cpuprofile> [--top 30] [--from µs --to µs]   (exploration: top frames)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage and the frames that mark it: a function name, optionally only in files whose URL ends so. */
interface Rule {
  readonly stage: string;
  readonly fn: string;
  readonly file?: string;
}

const IDLE = '(idle)';

// Innermost match wins, so a rule for a callee is claimed before its caller's.
const MAIN_RULES: readonly Rule[] = [
  { stage: 'A: orderer signature on the block', fn: 'evaluateSignedData' },
  { stage: 'A: orderer signature on the block', fn: 'blockSignaturesSignedData' },
  { stage: 'A: parse block, data hash (parseBlock)', fn: 'parseBlock' },
  { stage: 'A: copy block to shared memory (toShared)', fn: 'toShared' },
  { stage: 'A: decode txs, txId and proposal hashes (prepareTx)', fn: 'prepareTx' },
  { stage: 'A: prepareBlock, other', fn: 'prepareBlock', file: 'validate/prepare-block.js' },
  { stage: 'A: other', fn: 'stageA' },
  { stage: 'signature pool: post jobs, take results', fn: 'verify', file: 'workers/signature-pool.js' },
  { stage: 'signature pool: post jobs, take results', fn: 'spawn', file: 'workers/signature-pool.js' },
  { stage: 'B: duplicate txIds (index getMany)', fn: 'txIdsOnLedger' },
  { stage: 'B: endorsement stage (identities, policy)', fn: 'endorsementStage' },
  { stage: 'B: MVCC prefetch (plan, getMany, decode)', fn: 'mvccPrefetchPlan' },
  { stage: 'B: MVCC prefetch (plan, getMany, decode)', fn: 'load', file: 'commit/state-cache.js' },
  { stage: 'B: MVCC validation (validateBlockMvcc)', fn: 'validateBlockMvcc' },
  { stage: 'B: commit hash (update batch bytes, SHA-256)', fn: 'blockCommitHash' },
  { stage: 'B: commit hash (update batch bytes, SHA-256)', fn: 'updateBatchBytes' },
  { stage: 'B: block effects, other', fn: 'blockEffects' },
  { stage: 'B: block encoding (encodeBlockWithSpans)', fn: 'encodeBlockWithSpans' },
  { stage: 'B: block file append + fdatasync (JS side)', fn: 'append', file: 'store/fs-block-file-store.js' },
  { stage: 'B: LevelDB batch build (commitBatch)', fn: 'commitBatch' },
  { stage: 'B: LevelDB batch write (JS side)', fn: 'write', file: 'store/level-kv-store.js' },
  { stage: 'B: commit notifier', fn: 'committed', file: 'events/commit-notifier.js' },
  { stage: 'B: other', fn: 'stageB' },
  { stage: 'level library (callbacks, conversions)', fn: '', file: 'level/index.js' },
  { stage: 'garbage collector', fn: '(garbage collector)' },
  { stage: 'V8/native, no JS frame', fn: '(program)' },
];

const WORKER_RULES: readonly Rule[] = [
  { stage: 'ECDSA verify (SHA-256 + OpenSSL)', fn: 'verify' },
  { stage: 'identity deserialize + validate (cached)', fn: 'deserialize' },
  { stage: 'identity deserialize + validate (cached)', fn: 'validate' },
  { stage: 'signed data concat (endorsements)', fn: 'concat' },
  { stage: 'job loop, other', fn: 'check' },
  { stage: 'garbage collector', fn: '(garbage collector)' },
  { stage: 'V8/native, no JS frame', fn: '(program)' },
];

/** One thread's CPU in the window, by stage (ms). */
export interface ThreadSplit {
  readonly cpuMs: number;
  readonly idleMs: number;
  readonly stages: Record<string, number>;
}

export interface ProfileSplit {
  readonly main: ThreadSplit;
  readonly workers: ThreadSplit[];
}

function threadOf(file: string): number {
  const parts = path.basename(file).split('.');
  return Number(parts[parts.length - 3]);
}

function matches(rule: Rule, frame: ProfileNode['callFrame']): boolean {
  if (rule.fn !== '' && frame.functionName !== rule.fn) return false;
  return rule.file === undefined || frame.url.endsWith(rule.file);
}

/** Per-sample durations (µs) with their timestamps: V8 gives deltas before each sample. */
function* timedSamples(p: CpuProfile): Generator<[node: number, atUs: number, durationUs: number]> {
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i]!;
    const nextAt = i + 1 < p.samples.length ? at + p.timeDeltas[i + 1]! : p.endTime;
    yield [p.samples[i]!, at, Math.max(0, nextAt - at)];
  }
}

function parents(p: CpuProfile): Map<number, ProfileNode> {
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  return parent;
}

function splitThread(p: CpuProfile, rules: readonly Rule[], fromUs: number, toUs: number): ThreadSplit {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = parents(p);
  const stageOfNode = new Map<number, string>();
  const stageOf = (id: number): string => {
    const cached = stageOfNode.get(id);
    if (cached !== undefined) return cached;
    let stage = 'other';
    for (let n: ProfileNode | undefined = byId.get(id); n; n = parent.get(n.id)) {
      if (n.callFrame.functionName === IDLE) { stage = IDLE; break; }
      const rule = rules.find((r) => matches(r, n!.callFrame));
      if (rule) { stage = rule.stage; break; }
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const stages: Record<string, number> = {};
  let cpuUs = 0;
  let idleUs = 0;
  for (const [node, at, dur] of timedSamples(p)) {
    if (at < fromUs || at >= toUs) continue;
    const stage = stageOf(node);
    if (stage === IDLE) { idleUs += dur; continue; }
    cpuUs += dur;
    stages[stage] = (stages[stage] ?? 0) + dur / 1000;
  }
  return { cpuMs: cpuUs / 1000, idleMs: idleUs / 1000, stages };
}

/**
 * Splits the profiles of one process over [fromUs, toUs) of the monotonic clock.
 * @throws Error when no main-thread profile is among them, or the window lies outside it
 */
export function splitProfiles(files: readonly string[], fromUs: number, toUs: number): ProfileSplit {
  const loaded = files.map((f) => ({ thread: threadOf(f), profile: JSON.parse(readFileSync(f, 'utf8')) as CpuProfile })).sort((a, b) => a.thread - b.thread);
  const main = loaded.find((l) => l.thread === 0);
  if (!main) throw new Error('no main-thread profile');
  if (main.profile.startTime > fromUs || main.profile.endTime < toUs) {
    throw new Error(`the window [${fromUs}, ${toUs}) lies outside the main profile [${main.profile.startTime}, ${main.profile.endTime}]: clocks differ`);
  }
  const workers = loaded.filter((l) => l.thread !== 0 && l.profile.endTime > fromUs && l.profile.startTime < toUs);
  return {
    main: splitThread(main.profile, MAIN_RULES, fromUs, toUs),
    workers: workers.map((w) => splitThread(w.profile, WORKER_RULES, fromUs, toUs)),
  };
}

/** Top frames by self and by inclusive time of one profile (whole run), to write the rules. */
function explore(file: string, top: number, fromUs = -Infinity, toUs = Infinity): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = parents(p);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  for (const [node, at, dur] of timedSamples(p)) {
    if (at < fromUs || at >= toUs) continue;
    const leaf = byId.get(node)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dur);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = parent.get(n.id)) {
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + dur);
    }
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(title);
    for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(us / 1000).toFixed(1).padStart(9)} ms  ${l}`);
  };
  show('self', self);
  show('inclusive', incl);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: cpu-profile-split.js <file.cpuprofile> [--top N]');
  const opt = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  explore(file, opt('top', 30), opt('from', -Infinity), opt('to', Infinity));
}
