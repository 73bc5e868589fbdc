import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

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
      // Apps never import apps; libs are used through their one public entry.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['coordinator', 'capture', 'snapshot', 'transform', 'sink', 'cli'].flatMap((app) => [`@tidewater/${app}`, `@tidewater/${app}/*`]),
              message: 'apps never import apps: move shared code into a lib',
            },
            { group: ['@tidewater/*/src/*', '@tidewater/*/src'], message: 'import a lib through its public entry (@tidewater/<lib>)' },
          ],
        },
      ],
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
    // The CLI and test kit talk to people: printing is their job.
    files: ['apps/cli/**/*.ts', 'tools/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
];
