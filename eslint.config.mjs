import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Apps never import apps; libs are used through their one public entry.
const boundaryPatterns = [
  {
    group: ['coordinator', 'capture', 'snapshot', 'transform', 'sink', 'cli'].flatMap((app) => [
      `@tidewater/${app}`,
      `@tidewater/${app}/*`,
    ]),
    message: 'apps never import apps: move shared code into a lib',
  },
  {
    group: ['@tidewater/*/src/*', '@tidewater/*/src'],
    message: 'import a lib through its public entry (@tidewater/<lib>)',
  },
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/proto/src/gen/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
      'no-restricted-imports': ['error', { patterns: boundaryPatterns }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    // No lib imports an adapter for its model: the task plan and the task state own their
    // types (the Destination port among them); adapters implement them, never the reverse.
    files: ['libs/task-plan/**/*.ts', 'libs/task-state/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...boundaryPatterns,
            {
              group: [
                '@tidewater/*-sink',
                '@tidewater/*-sink/*',
                '@tidewater/*-source',
                '@tidewater/*-source/*',
                '@tidewater/binlog',
                '@duckdb/*',
                'mysql2',
                'mysql2/*',
                '@vlasky/zongji',
              ],
              message:
                'task-plan and task-state own the model: an adapter (destination or source) depends on them, not the reverse',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI and test kit talk to people: printing is their job.
    files: ['apps/cli/**/*.ts', 'tools/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
];
