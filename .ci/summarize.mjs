// Sums vitest's JSON reports of every workspace into "N passed, N failed".
// A workspace that has test files but wrote no report counts as one failure.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const workspaces = [
  ...readdirSync(path.join(root, 'packages')).map((p) => path.join('packages', p)),
  'test',
];

function hasTests(dir) {
  const walk = (d) => readdirSync(d, { withFileTypes: true }).some((e) =>
    e.name !== 'node_modules' && e.name !== 'dist' &&
    (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.test.ts')));
  return existsSync(dir) && walk(dir);
}

let passed = 0;
let failed = 0;
for (const ws of workspaces) {
  const report = path.join(root, ws, 'test-results', 'vitest.json');
  const testDir = ws === 'test' ? path.join(root, ws) : path.join(root, ws, 'test');
  if (!existsSync(report)) {
    if (hasTests(testDir)) {
      console.log(`${ws}: no test report (the run did not finish)`);
      failed += 1;
    }
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const suiteFailures = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
  console.log(`${ws}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteFailures} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}`);
  passed += r.numPassedTests;
  failed += r.numFailedTests + suiteFailures;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
