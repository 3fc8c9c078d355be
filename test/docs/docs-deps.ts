import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ARTIFACTS, withLock } from '../support/package-build.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const DEPS = join(ARTIFACTS, 'docs-deps');

/**
 * The packages the documentation uses and the repository does not (`@nestjs/jwt` in the security
 * page), installed once into test-artifacts/docs-deps without their peers, which resolve to the
 * repository's own (`@nestjs/common`). Returns that node_modules.
 */
export function docsDependencies(): Promise<string> {
  return withLock('docs-deps', async () => {
    const modules = join(DEPS, 'node_modules');
    if (existsSync(join(modules, '@nestjs/jwt/package.json'))) return modules;
    mkdirSync(DEPS, { recursive: true });
    writeFileSync(
      join(DEPS, 'package.json'),
      JSON.stringify({ private: true, dependencies: { '@nestjs/jwt': '^11.0.0' } }),
    );
    try {
      await run(
        NPM,
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--legacy-peer-deps',
          '--loglevel=error',
        ],
        { cwd: DEPS, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`npm install failed in ${DEPS}:\n${stdout ?? ''}${stderr ?? ''}`, {
        cause: error,
      });
    }
    return modules;
  });
}
