import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import etpRules from './eslint-rules/no-import-cycle.js';

/** Packages a module that also runs in browsers, or that both sides share, must not import. */
const platformBound = (message) => ({
  patterns: [{ group: ['ws', '@nestjs/*', 'node:*', 'ioredis'], message }],
});

/** The client files that run in Node only: the `ws` transport, `EtpClient` and the Nest pieces. */
const NODE_CLIENT_FILES = [
  'src/client/ws-transport.ts',
  'src/client/etp-client.ts',
  'src/client/etp-event-explorer.ts',
  'src/client/on-etp-event.decorator.ts',
  'src/client/tokens.ts',
];

/** Every layer above the protocol and the metrics, and the module files at the top of src/. */
const ABOVE_PROTOCOL = [
  './src/server',
  './src/rooms',
  './src/cluster',
  './src/redis',
  './src/terminus',
  './src/etp.module.ts',
  './src/etp-module.options.ts',
  './src/etp.tokens.ts',
  './src/index.ts',
  './src/browser.ts',
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
          // The layers of ARCHITECTURE.md: each folder imports only those below it.
          zones: [
            {
              target: './src/protocol',
              from: [...ABOVE_PROTOCOL, './src/metrics', './src/client'],
              message: 'The protocol is the bottom layer: it imports nothing else of the package.',
            },
            {
              target: './src/metrics',
              from: [...ABOVE_PROTOCOL, './src/client'],
              message:
                'Metrics record what the layers above tell them; they import only the protocol.',
            },
            {
              target: './src/client',
              from: [...ABOVE_PROTOCOL, './src/metrics'],
              message:
                'The client speaks the protocol alone: it shares nothing else with the server.',
            },
            {
              target: './src/server',
              from: ['./src/rooms', './src/cluster', './src/redis', './src/client'],
              message: 'The server knows nothing of rooms: rooms observe the server.',
            },
            {
              target: './src/rooms',
              from: ['./src/cluster', './src/redis', './src/client'],
              message: 'Rooms talk to a broker through the EtpBroker seam, never to its insides.',
            },
            {
              target: './src/cluster',
              from: ['./src/redis', './src/server', './src/client'],
              message:
                'The cluster layer carries bytes through its transport: no Redis, no sockets.',
            },
          ],
        },
      ],
    },
  },
  {
    // import-x/no-cycle skips type-only imports; this rule does not: no file of src/ may reach
    // itself through its imports, of values or of types.
    files: ['src/**/*.ts'],
    plugins: { etp: etpRules },
    rules: { 'etp/no-import-cycle': 'error' },
  },
  {
    // The Redis entry point is optional: an application without Redis never loads a Redis client.
    files: ['src/**/*.ts'],
    ignores: ['src/redis/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['ioredis'], message: 'Only src/redis may load a Redis client.' }] },
      ],
    },
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
