/**
 * Runs testdata/mvcc/*.txt: blocks validated against a committed state,
 * their verdicts, state updates, history and commit hash printed, then the
 * updates committed for the next block. The state allows only the reads
 * `mvccPrefetchPlan` announced. REWRITE=1 regenerates the expected outputs;
 * commands are described in testdata/mvcc/README.md.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { runScenarioFile, type ScenarioCase } from '@alliance/protocol/testing';
import { describe, expect, it } from 'vitest';
import { blockCommitHash, updateBatchBytes, validateBlockMvcc } from '../src/index.js';
import { historyLine, parseStateLine, parseTxLine, stateLine, updateLine, verdictLine } from './mvcc-script.js';
import { ModelState, restrictToPlan, sha256 } from './mvcc-world.js';

async function runFile(file: string): Promise<void> {
  let state = new ModelState();
  let previousCommitHash: Uint8Array = new Uint8Array(0);
  const handle = (c: ScenarioCase): string => {
    const where = `${path.basename(file)}:${c.line}`;
    switch (c.command) {
      case 'state': {
        state = new ModelState();
        for (const line of c.lines) {
          const { namespace, key, entry } = parseStateLine(line);
          state.set(namespace, key, entry);
        }
        return `ok: ${c.lines.length} keys`;
      }
      case 'dump':
        return state.dump().map(([ns, k, e]) => stateLine(ns, k, e)).join('\n');
      case 'block': {
        const blockNum = Number(c.args);
        const txs = c.lines.map(parseTxLine);
        txs.forEach((tx, i) => {
          if (tx.txNum !== i) throw new Error(`${where}: transactions are numbered 0, 1, ... in order`);
        });
        restrictToPlan(state, txs);
        const result = validateBlockMvcc({ blockNum, txs, state, hash: sha256 });
        state.expectOnly(null);
        const filter = Uint8Array.from(result.verdicts.map((v) => v.code));
        const bytes = updateBatchBytes(result.updates, state.committedValue);
        const commitHash = blockCommitHash({ blockNum, filter, updateBatchBytes: bytes, previousCommitHash, hash: sha256 });
        state.apply(result.updates);
        previousCommitHash = commitHash ?? new Uint8Array(0);
        return [
          ...result.verdicts.map(verdictLine),
          'updates:',
          ...result.updates.map((u) => `  ${updateLine(u)}`),
          'history:',
          ...result.history.map((h) => `  ${historyLine(h)}`),
          `commit hash: ${commitHash ? Buffer.from(commitHash).toString('hex') : 'none'}`,
        ].join('\n');
      }
      default:
        throw new Error(`${where}: unknown command '${c.command}'`);
    }
  };
  const mismatches = await runScenarioFile(file, handle);
  for (const m of mismatches) {
    const head = `${path.basename(file)}:${m.line}\n${m.input}\n----\n`;
    expect(head + m.actual).toBe(head + m.expected);
  }
}

const dir = path.join(import.meta.dirname, '..', 'testdata', 'mvcc');
describe('MVCC scenarios', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
    it(f, async () => runFile(path.join(dir, f)));
  }
});
