// One test configuration for every workspace: the default reporter for people,
// and a JSON report per workspace that .ci/run sums into "N passed, N failed".
import path from 'node:path';

/**
 * @param {string} dir the workspace directory
 * @param {string[]} [include] test file globs, relative to dir
 */
export function sharedTestConfig(dir, include = ['test/**/*.test.ts']) {
  return {
    include,
    passWithNoTests: true,
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default', 'json'],
    outputFile: { json: path.join(dir, 'test-results', 'vitest.json') },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  };
}
