/**
 * The simulation's checker catches what it is there to catch (a forked
 * chain, two leaders in a term, logs that disagree, a leader missing a
 * committed entry, a committed entry changing), a failing seed reports the
 * command that replays it, a seed replays exactly, and src/sim/ stays pure
 * (no node:* outside cli.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InvariantViolation, SimChecker, SimFailure, SimBlockBuilder, replayCommand, runSeed, type LogView,
} from '../src/sim/index.js';

const enc = new TextEncoder();

function log(id: number, term: number, terms: readonly number[], options: Partial<LogView> = {}): LogView {
  return {
    id, term, isLeader: false, commit: 0, firstIndex: 1, lastIndex: terms.length,
    termOf: (i) => (i === 0 ? 0 : terms[i - 1]),
    dataOf: (i) => enc.encode(`entry ${i}/${terms[i - 1]}`),
    ...options,
  };
}

function violation(f: () => void): InvariantViolation {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(InvariantViolation);
    return err as InvariantViolation;
  }
  throw new Error('the checker let a broken invariant through');
}

describe('SimChecker', () => {
  it('catches a forked chain: two nodes writing different blocks at one number', () => {
    const c = new SimChecker();
    const a = new SimBlockBuilder();
    const b = new SimBlockBuilder();
    const block1 = a.build([enc.encode('x')], 3);
    c.checkBlock(1, 1, block1);
    c.checkBlock(2, 1, block1.slice());
    // Another leader's block 1 (same number and parent, other envelopes): a fork.
    expect(violation(() => c.checkBlock(3, 1, b.build([enc.encode('y')], 3))).invariant).toBe('one chain');
  });

  it('accepts the same block written by every node', () => {
    const c = new SimChecker();
    const block = new SimBlockBuilder().build([enc.encode('x')], 3);
    for (const id of [1, 2, 3]) c.checkBlock(id, 1, block.slice());
    expect(c.chainHeight).toBe(2);
  });

  it('catches two leaders in one term', () => {
    const c = new SimChecker();
    c.checkLog(log(1, 2, [1, 2], { isLeader: true }));
    expect(violation(() => c.checkLog(log(2, 2, [1, 2], { isLeader: true }))).invariant).toBe('election safety');
  });

  it('catches logs that hold one (index, term) after different entries, or with different bytes', () => {
    const c = new SimChecker();
    c.checkLog(log(1, 3, [1, 1, 3]));
    expect(violation(() => c.checkLog(log(2, 3, [1, 2, 3]))).invariant).toBe('log matching');
    const d = new SimChecker();
    d.checkLog(log(1, 1, [1, 1]));
    expect(violation(() => d.checkLog(log(2, 1, [1, 1], { dataOf: () => enc.encode('forged') }))).invariant).toBe('log matching');
  });

  it('catches a committed entry that changes, and a leader missing an entry committed before its term', () => {
    const c = new SimChecker();
    c.checkLog(log(1, 2, [1, 2, 2], { commit: 3 }));
    expect(violation(() => c.checkLog(log(2, 3, [1, 2, 3], { commit: 3 }))).invariant).not.toBe('');
    const d = new SimChecker();
    d.checkLog(log(1, 2, [1, 2, 2], { commit: 3 }));
    expect(violation(() => d.checkLog(log(3, 4, [1, 2], { isLeader: true }))).invariant).toBe('leader completeness');
  });
});

describe('simulation runs', () => {
  it('replays a seed exactly', async () => {
    const a = await runSeed(7, 3, { faultRounds: 150 });
    const b = await runSeed(7, 3, { faultRounds: 150 });
    expect(b).toEqual(a);
    expect(a.blocks).toBeGreaterThan(0);
  });

  it('fails a deliberately broken run: orderers on disks that acknowledge fsyncs they never make lose acknowledged data, and the checkers see it', async () => {
    const failures: SimFailure[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      try {
        await runSeed(seed, 3, { lyingDisks: true });
      } catch (err) {
        expect(err).toBeInstanceOf(SimFailure);
        failures.push(err as SimFailure);
      }
    }
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.cause).toBeInstanceOf(InvariantViolation);
      expect(f.message).toContain(`npm run sim -- --seeds ${f.seed} --nodes 3 --lying-disks`);
    }
  });

  it('reports a failure with the seed and the command that replays it', () => {
    const f = new SimFailure(42, 5, 17, replayCommand(42, 5), new InvariantViolation('one chain', 'forked'), ['r17 something']);
    expect(f.message).toContain('seed 42');
    expect(f.message).toContain('npm run sim -- --seeds 42 --nodes 5');
    expect(f.message).toContain('one chain: forked');
  });

  it('keeps src/sim/ pure: no node:* import outside cli.ts', async () => {
    const dir = path.join(import.meta.dirname, '../src/sim');
    for (const file of await readdir(dir)) {
      if (!file.endsWith('.ts') || file === 'cli.ts') continue;
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from '(node:|fs|path|os|crypto|timers)/);
      expect(text, file).not.toMatch(/Date\.now|Math\.random|setTimeout|setInterval|performance\./);
    }
  });
});
