// Lint, including the process boundaries:
//   shared/    imports nothing from main, preload, renderer, node: or electron (and has no DOM: tsconfig.shared.json)
//   renderer/  never imports main, preload, node: or electron (and has no Node types: tsconfig.web.json)
//   main/      imports electron only under main/app/
//   preload/   may import electron and shared/, nothing from main or renderer
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'worker_threads', 'stream', 'util', 'buffer'];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  // Build output, and what mutation testing writes (its sandboxes copy the sources with @ts-nocheck).
  { ignores: ['out/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'coverage/**', '.stryker-tmp/**', '.mutation/**', 'native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    // Every rule switched off says why: `// eslint-disable-next-line rule -- [reason: …]`.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }] },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='openExternal']", message: 'shell.openExternal is never used: message text must not open a browser.' },
      ],
    },
  },
  {
    // bin/ holds the CommonJS launcher npm links as `wardscribe`; it can only require() the built CLI.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // SQL is never built from data: a template passed to prepare/exec/pragma may only splice in
    // module constants (UPPER_CASE) or a Number(…); values go in as bound parameters.
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='openExternal']", message: 'shell.openExternal is never used: message text must not open a browser.' },
        {
          selector:
            "CallExpression[callee.property.name=/^(prepare|exec|pragma)$/] > TemplateLiteral > *.expressions:not(Identifier[name=/^[A-Z][A-Z0-9_]*$/]):not(CallExpression[callee.name='Number'])",
          message: 'Build SQL from constants only; pass values as bound parameters.',
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: restrict(['**/main/**', '**/preload/**', '**/renderer/**', 'electron', ...NODE_BUILTINS], 'shared/ is pure: no main, preload, renderer, Node or Electron imports.'),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(['**/main/**', '**/preload/**', 'electron', ...NODE_BUILTINS], 'The renderer talks to main only through window.wardscribe.'),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/app/**'],
    rules: restrict(['electron', '**/renderer/**', '**/preload/**'], 'Only main/app/ imports electron; main never imports the renderer or the preload.'),
  },
  {
    files: ['main/app/**/*.ts'],
    rules: restrict(['**/renderer/**', '**/preload/**'], 'main never imports the renderer or the preload.'),
  },
  {
    files: ['preload/**/*.ts'],
    rules: restrict(['**/main/**', '**/renderer/**', ...NODE_BUILTINS], 'The preload exposes the contract and nothing else.'),
  },
);
