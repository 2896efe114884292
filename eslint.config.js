// Lint rules for every workspace. The one house rule a linter can enforce:
// pure cores (files under src/core/) do no I/O and read no clock or randomness;
// time arrives as ticks or arguments and randomness as a seeded Rng.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'http', 'https', 'crypto', 'child_process',
  'worker_threads', 'timers', 'timers/*', 'dgram', 'dns', 'stream', 'stream/*', 'process', 'perf_hooks', 'util', 'events'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/src/generated/**', '**/test-results/**', 'network/**', '**/*.config.ts', '**/test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['packages/*/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'Pure core: no I/O. Inject what you need through an interface.' }] }],
      'no-restricted-globals': ['error',
        { name: 'Date', message: 'Pure core: time arrives as ticks or as an argument.' },
        { name: 'setTimeout', message: 'Pure core: no timers; the shell drives ticks.' },
        { name: 'setInterval', message: 'Pure core: no timers; the shell drives ticks.' },
        { name: 'setImmediate', message: 'Pure core: no timers; the shell drives ticks.' },
        { name: 'queueMicrotask', message: 'Pure core: no scheduling.' },
        { name: 'performance', message: 'Pure core: no clock.' },
        { name: 'process', message: 'Pure core: no process state.' },
        { name: 'require', message: 'Pure core: no dynamic loading.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Pure core: randomness arrives as a seeded Rng.' },
        { object: 'crypto', property: 'getRandomValues', message: 'Pure core: randomness arrives as a seeded Rng.' },
        { object: 'globalThis', property: 'crypto', message: 'Pure core: randomness arrives as a seeded Rng.' },
      ],
    },
  },
);
