import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { npmInstall, useConsumerFixture, writeFiles } from '../support/consumer-app.js';
import { ROOT } from '../support/package-build.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const INSTALL_TIMEOUT = 240_000;

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Every command of the pages' shell blocks, its comment left out. */
function shellCommands(): Array<{ page: string; command: string }> {
  return PAGES.flatMap((page) =>
    [...readFileSync(join(ROOT, page), 'utf8').matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```$/gm)]
      .flatMap((match) => match[1].split('\n'))
      .map((line) => line.split(/\s+#/)[0].trim())
      .filter((command) => command !== '')
      .map((command) => ({ page, command })),
  );
}

/** Where each command a page shows is run: a file that runs it (and a line of it), or why none. */
type Exercised = { by: string; contains: string } | { notRun: string };

const COMMANDS: Record<string, Exercised> = {
  'npm install && npm run sample': {
    by: 'test/support/sample-process.ts',
    contains: "['sample/dist/main.js']",
  },
  'npm install && npm test': { by: '.ci/run', contains: 'npm test' },
  'git clone https://github.com/<owner>/nestjs-etp.git && cd nestjs-etp': {
    notRun: 'the address is a placeholder for where the repository is published',
  },
  'npm install && npm pack': { by: 'test/support/consumer-app.ts', contains: "['pack', '--json'" },
  'npm install ../nestjs-etp/nestjs-etp-0.1.0.tgz @nestjs/websockets': {
    by: 'test/docs/shell-blocks.spec.ts',
    contains: 'the Nest 12 install line',
  },
  'npm install ../nestjs-etp/nestjs-etp-0.1.0.tgz @nestjs/websockets@11': {
    by: 'test/docs/shell-blocks.spec.ts',
    contains: 'the Nest 11 install line',
  },
  'npm install @nestjs/terminus': {
    by: 'test/pack/terminus-cjs.spec.ts',
    contains: "'@nestjs/terminus': '^11.0.0'",
  },
  'npm install ioredis': { by: 'test/docs/snippets-cjs.spec.ts', contains: 'ioredis:' },
  "redis-server --port 6379 --save '' --appendonly no": {
    by: 'test/support/redis-server.ts',
    contains: "'--save', '', '--appendonly', 'no'",
  },
  'PORT=3000 node dist/main.js': {
    by: 'test/docs/snippets-cjs.spec.ts',
    contains: "startPage('docs-scale-out', { PORT: String(port), REDIS_URL",
  },
  'PORT=3001 node dist/main.js': {
    by: 'test/docs/snippets-cjs.spec.ts',
    contains: "startPage('docs-scale-out', { PORT: String(port), REDIS_URL",
  },
  'npm install': { by: '.ci/run', contains: 'npm install --no-audit --no-fund' },
  'npm run ci': {
    notRun: 'CI runs its parts one by one in .ci/run (lint, format:check, typecheck, test)',
  },
  'npm run test:unit': { by: 'test/docs/shell-blocks.spec.ts', contains: "'npm run test:unit'" },
  'npm test -- --selectProjects e2e': {
    by: 'test/docs/shell-blocks.spec.ts',
    contains: "'--selectProjects', 'e2e'",
  },
  'npm test -- test/e2e/rooms/rooms.spec.ts': {
    by: 'test/docs/shell-blocks.spec.ts',
    contains: 'exactly that file',
  },
  'npm test -- test/e2e/rooms --selectProjects e2e': {
    by: 'test/docs/shell-blocks.spec.ts',
    contains: 'the files under a folder',
  },
  "npm test -- test/e2e/rooms/rooms.spec.ts -t 'except'": {
    notRun: 'the file selection is the line above; -t is Jest’s own test-name filter',
  },
  'npm run lint': { by: '.ci/run', contains: 'npm run lint' },
  'npm run format:check': { by: '.ci/run', contains: 'npm run format:check' },
  'npm run typecheck': { by: '.ci/run', contains: 'npm run typecheck' },
  'npm run docs:api': {
    notRun: 'it writes 1.8 MB of HTML; CI runs the same TypeDoc build without writing (below)',
  },
  'npm run docs:api:check': { by: '.ci/run', contains: 'npm run docs:api:check' },
  'npm run bench': { notRun: 'four minutes and 10,000 open files per process: run by hand' },
  'npm run bench:smoke': { by: '.ci/run', contains: 'npm run bench:smoke' },
};

/** The test files Jest would run for these arguments, as `npm test -- <args>` passes them. */
async function listTests(...args: string[]): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...args, '--listTests'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.endsWith('.spec.ts'))
    .map((line) => line.slice(ROOT.length + 1))
    .sort();
}

describe('the shell blocks of the README, docs/, CONTRIBUTING.md and bench/README.md', () => {
  test('every command is run by a test or CI, or says why not', () => {
    const unaccounted = shellCommands().filter(({ command }) => !(command in COMMANDS));
    expect(unaccounted).toEqual([]);
    for (const [command, exercised] of Object.entries(COMMANDS)) {
      if ('notRun' in exercised) continue;
      const file = join(ROOT, exercised.by);
      expect({ command, exists: existsSync(file) }).toEqual({ command, exists: true });
      expect(readFileSync(file, 'utf8')).toContain(exercised.contains);
    }
  });

  test('the npm scripts the pages name exist', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const named = shellCommands().flatMap(({ command }) =>
      [...command.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1]),
    );
    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });

  test('CONTRIBUTING: one file, a folder in one project, one project, the unit project', async () => {
    // exactly that file
    expect(await listTests('test/e2e/rooms/rooms.spec.ts')).toEqual([
      'test/e2e/rooms/rooms.spec.ts',
    ]);
    // the files under a folder
    const folder = await listTests('test/e2e/rooms', '--selectProjects', 'e2e');
    expect(folder.length).toBeGreaterThan(1);
    expect(folder.every((file) => file.startsWith('test/e2e/rooms/'))).toBe(true);
    const e2e = await listTests('--selectProjects', 'e2e');
    expect(e2e.every((file) => file.startsWith('test/e2e/'))).toBe(true);
    // The order the page warns about: the path after --selectProjects is a project name.
    const wrongOrder = await listTests('--selectProjects', 'e2e', 'test/e2e/rooms/rooms.spec.ts');
    expect(wrongOrder).toEqual(e2e);
    // 'npm run test:unit'
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['test:unit']).toMatch(/--selectProjects unit$/);
  }, 60_000);

  describe('the install lines, resolved by npm against the packed tarball', () => {
    const fixture = useConsumerFixture('nestjs-etp-docs-install-', INSTALL_TIMEOUT);

    /**
     * What `npm install --dry-run <tarball> <packages>` would add to an app with these
     * dependencies, installed first as a user's app has them.
     */
    async function dryRun(
      name: string,
      dependencies: Record<string, string>,
      packages: string[],
    ): Promise<{ added: string; failed: boolean }> {
      const app = join(fixture.work, name);
      if (!existsSync(app)) {
        writeFiles(app, {
          'package.json': JSON.stringify({ name, private: true, dependencies }),
        });
        if (Object.keys(dependencies).length > 0) await npmInstall(app);
      }
      const args = ['install', '--dry-run', '--prefer-offline', '--no-audit', '--no-fund'];
      try {
        const { stdout, stderr } = await run(NPM, [...args, fixture.tarball.path, ...packages], {
          cwd: app,
          maxBuffer: 16 * 1024 * 1024,
        });
        return { added: stdout + stderr, failed: false };
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        return { added: `${stdout ?? ''}${stderr ?? ''}`, failed: true };
      }
    }

    const NEST_11_APP = {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    };

    test(
      'the Nest 11 install line keeps a Nest 11 app on 11; without @11, npm refuses it',
      async () => {
        const pinned = await dryRun('nest11', NEST_11_APP, ['@nestjs/websockets@11']);
        expect(pinned.failed).toBe(false);
        expect(pinned.added).toMatch(/add @nestjs\/websockets 11\./);
        expect(pinned.added).not.toMatch(/@nestjs\/(common|core) 12\./);
        const unpinned = await dryRun('nest11', NEST_11_APP, ['@nestjs/websockets']);
        expect(unpinned.failed).toBe(true);
        expect(unpinned.added).toMatch(/ERESOLVE/);
      },
      INSTALL_TIMEOUT,
    );

    test(
      'the Nest 12 install line brings Nest 12 into an empty app',
      async () => {
        const latest = await dryRun('nest12', {}, ['@nestjs/websockets']);
        expect(latest.failed).toBe(false);
        expect(latest.added).toMatch(/add @nestjs\/websockets 12\./);
        expect(latest.added).toMatch(/add @nestjs\/common 12\./);
      },
      INSTALL_TIMEOUT,
    );
  });
});
