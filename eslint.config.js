import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import etpRules from './eslint-rules/no-import-cycle.js';

/** Packages a module that also runs in browsers, or that both sides share, must not import. */
const platformBound = (message) => ({
  patterns: [{ group: ['ws', '@nestjs/*', 'node:*'], message }],
});

/** The client files that run in Node only: the `ws` transport, `EtpClient` and the Nest pieces. */
const NODE_CLIENT_FILES = [
  'src/client/ws-transport.ts',
  'src/client/etp-client.ts',
  'src/client/etp-event-explorer.ts',
  'src/client/on-etp-event.decorator.ts',
  'src/client/tokens.ts',
];

export default tseslint.config(
  {
    ignores: ['**/dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'sample/public/**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // A runtime import cycle leaves one module reading the other's bindings before they exist;
    // type-only imports vanish from the output and may go both ways.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/server',
              from: './src/rooms',
              message: 'The server knows nothing of rooms: rooms observe the server.',
            },
          ],
        },
      ],
    },
  },
  {
    // import-x/no-cycle skips type-only imports; this rule does not. Only where no cycle is left:
    // src/rooms still has some.
    files: ['src/server/**/*.ts', 'src/protocol/**/*.ts'],
    plugins: { etp: etpRules },
    rules: { 'etp/no-import-cycle': 'error' },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        platformBound(
          'The protocol is shared by the server and the browser client: plain TypeScript only.',
        ),
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    ignores: NODE_CLIENT_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        platformBound('The client core also runs in browsers: only the Node transport may use ws.'),
      ],
    },
  },
);
