import type { Config } from 'jest';

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'es6' },
};

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
} satisfies Config;

/**
 * `unit`: one class at a time with small fakes, under a minute (`npm run test:unit`). `e2e`: real
 * sockets, real Nest applications, real redis-server and Chromium. `pack`: the packed tarball
 * installed into fresh applications. `docs`: the README's snippets and bytes.
 */
const project = (name: string): Config => ({
  ...shared,
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.spec.ts`],
});

const config: Config = {
  testTimeout: 20_000,
  projects: ['unit', 'e2e', 'pack', 'docs'].map(project),
};

export default config;
