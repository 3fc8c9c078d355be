import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, tsc } from '../support/package-build.js';

const TSC_TIMEOUT = 120_000;

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const FILE_NAME = /^\/\/ ([\w.-]+\.ts)\n/;

/** The ```ts blocks of the README; a block opening with `// name.ts` is that file. */
function snippets(markdown: string): Array<{ name: string; code: string }> {
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  return blocks.map((code, index) => ({
    name: FILE_NAME.exec(code)?.[1] ?? `snippet-${String(index + 1).padStart(2, '0')}.ts`,
    code,
  }));
}

/**
 * Type-checks files as a user's ESM project would, with `nestjs-etp` mapped to the sources
 * (so no build is needed) and the DOM library for the browser snippets.
 */
async function typecheck(directory: string, files: Array<{ name: string; code: string }>) {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  for (const file of files) writeFileSync(join(directory, file.name), file.code);
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
      },
    },
    include: ['*.ts'],
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

  test('keeps the performance block as its last section', () => {
    const start = README.indexOf('<!-- perf:start -->');
    const end = README.indexOf('<!-- perf:end -->');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    expect(README.slice(end + '<!-- perf:end -->'.length).trim()).toBe('');
    expect(README.slice(0, start).lastIndexOf('\n## ')).toBeLessThan(start);
  });

  test(
    'every TypeScript snippet compiles against the package',
    async () => {
      const files = snippets(README);
      expect(files.length).toBeGreaterThanOrEqual(10);
      expect(new Set(files.map((file) => file.name)).size).toBe(files.length);
      expect(files.map((file) => file.name)).toEqual(
        expect.arrayContaining(['main.ts', 'app.module.ts', 'chat.gateway.ts', 'page.ts']),
      );
      await typecheck(join(ARTIFACTS, 'readme'), files);
    },
    TSC_TIMEOUT,
  );

  test(
    'the check catches a snippet that misuses the API',
    async () => {
      const wrong = `import { EtpRoomsService } from 'nestjs-etp';\n
export const broken = (rooms: EtpRoomsService) => rooms.to('lobby').broadcastTo('x');\n`;
      await expect(
        typecheck(join(ARTIFACTS, 'readme-wrong'), [{ name: 'wrong.ts', code: wrong }]),
      ).rejects.toThrow(/broadcastTo/);
    },
    TSC_TIMEOUT,
  );
});
