import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['build/**', 'public/build/**', 'node_modules/**', 'data/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['../shared/*', '../../shared/*'], message: 'The product must not read ../shared at run time.' }],
          paths: [{ name: '@conform-to/zod', importNames: ['parseWithZod'], message: 'Read forms with parseWithZod from ~/lib/form-submission.ts: it refuses what no form can send.' }],
        },
      ],
    },
  },
  {
    // Migrations are written against Kysely<any> on purpose: they must not depend on today's schema types.
    files: ['db/migrations/**', 'db/migrator.ts', 'db/connect.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['app/lib/**', 'app/domain/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['~/routes/*', '../routes/*'], message: 'Imports flow one way: routes -> domain -> lib.' }] }],
    },
  },
)
