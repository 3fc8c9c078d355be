import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, tsc } from '../support/package-build.js';
import { docsDependencies } from './docs-deps.js';
import { directoryOf, docPages, projectOf, type Snippet } from './snippets.js';

const TSC_TIMEOUT = 180_000;

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PAGES = docPages();

/**
 * Type-checks projects as a user's ESM Nest 12 app would, one subdirectory each, in one run of
 * the compiler: `nestjs-etp` mapped to the sources (so no build is needed), the DOM library for
 * the browser snippets.
 */
async function typecheck(
  directory: string,
  projects: Record<string, Snippet[]>,
  extraModules?: string,
) {
  rmSync(directory, { recursive: true, force: true });
  for (const [name, files] of Object.entries(projects)) {
    mkdirSync(join(directory, name), { recursive: true });
    for (const file of files) writeFileSync(join(directory, name, file.name), file.code);
  }
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ type: 'module' }));
  const src = join(ROOT, 'src');
  const tsconfig = {
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['es2022', 'dom'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      paths: {
        'nestjs-etp': [join(src, 'index.ts')],
        'nestjs-etp/browser': [join(src, 'browser.ts')],
        'nestjs-etp/redis': [join(src, 'redis/index.ts')],
        'nestjs-etp/terminus': [join(src, 'terminus/index.ts')],
        ...(extraModules === undefined
          ? {}
          : { '@nestjs/jwt': [join(extraModules, '@nestjs/jwt/dist/index.d.ts')] }),
      },
    },
    include: ['*/*.ts'],
  };
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  await tsc('-p', join(directory, 'tsconfig.json'), '--pretty', 'false');
}

describe('README', () => {
  test('opens with the command that runs the sample and the one that runs the tests', () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((line) => line.split('#')[0].trim());
    expect(commands.slice(0, 2)).toEqual([
      'npm install && npm run sample',
      'npm install && npm test',
    ]);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.sample).toContain('node sample/dist/main.js');
    expect(scripts.test).toContain('jest');
  });

  test('says what the package is before anything else, and has a table of contents', () => {
    const firstBlock = README.indexOf('```');
    expect(README.slice(0, firstBlock)).toMatch(/txix-open\/etp/);
    expect(README.indexOf('## Contents')).toBeGreaterThan(firstBlock);
    expect(README.indexOf('## Contents')).toBeLessThan(README.indexOf('## Install'));
  });

  test('uses no top-level await, which a CommonJS app refuses', () => {
    for (const page of PAGES) {
      for (const file of page.snippets) {
        const topLevel = file.code.split('\n').filter((line) => /^(const .* = )?await /.test(line));
        expect({ page: page.path, file: file.name, topLevel }).toEqual({
          page: page.path,
          file: file.name,
          topLevel: [],
        });
      }
    }
  });
});

describe('the snippets of the README and of docs/, as an ESM Nest 12 app', () => {
  let jwtModules: string;

  beforeAll(async () => {
    jwtModules = await docsDependencies();
  }, TSC_TIMEOUT);

  test('the README has the Quick start files, each name once', () => {
    const readme = PAGES[0];
    expect(readme.snippets.length).toBeGreaterThanOrEqual(4);
    expect(new Set(readme.snippets.map((file) => file.name)).size).toBe(readme.snippets.length);
    expect(readme.snippets.map((file) => file.name)).toEqual(
      expect.arrayContaining(['main.ts', 'app.module.ts', 'chat.gateway.ts', 'page.ts']),
    );
  });

  test(
    'every page compiles against the package, each page a project of its own',
    async () => {
      const projects: Record<string, Snippet[]> = {};
      for (const page of PAGES.filter((one) => one.snippets.length > 0)) {
        const names = page.snippets.map((file) => file.name);
        expect({
          page: page.path,
          duplicates: names.filter((n, i) => names.indexOf(n) !== i),
        }).toEqual({
          page: page.path,
          duplicates: [],
        });
        projects[directoryOf(page)] = projectOf(page, PAGES[0]);
      }
      expect(Object.keys(projects).length).toBeGreaterThanOrEqual(8);
      await typecheck(join(ARTIFACTS, 'snippets-esm'), projects, jwtModules);
    },
    TSC_TIMEOUT,
  );

  test(
    'the check catches a snippet that misuses the API',
    async () => {
      const wrong = `import { EtpRoomsService } from 'nestjs-etp';\n
export const broken = (rooms: EtpRoomsService) => rooms.to('lobby').broadcastTo('x');\n`;
      await expect(
        typecheck(join(ARTIFACTS, 'snippets-esm-wrong'), {
          wrong: [{ name: 'wrong.ts', code: wrong }],
        }),
      ).rejects.toThrow(/broadcastTo/);
    },
    TSC_TIMEOUT,
  );
});
