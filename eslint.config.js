// Lint with type information so floating promises (the classic lost-await bug in consumers) fail CI.
import tseslint from 'typescript-eslint';
import { bundledSourcesUnder } from './workflows/scripts/bundled-sources.js';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.zmwatch/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs in any file the workflow
    // bundle includes (derived from the bundle's entry; test/architecture/workflow-lint.test.ts checks
    // the list against the bundle webpack builds).
    files: bundledSourcesUnder(import.meta.dirname),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'ioredis', 'kafkajs'],
              message: 'Workflow code must be deterministic: no Node APIs or I/O clients.',
            },
          ],
        },
      ],
    },
  },
);
