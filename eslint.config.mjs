// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'artifacts/**',
      'cache/**',
      'typechain-types/**',
      'coverage/**',
      '.tools/**',
      '.data/**',
      'subgraph/src/**',
      'subgraph/generated/**',
      'subgraph/build/**',
      'web/dist/**',
      'dist/**',
      'web/src/gql/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests read loosely typed GraphQL responses.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
