import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildPackageAndSample, ROOT } from '../support/package-build.js';

const run = promisify(execFile);
const BUILD_TIMEOUT = 240_000;

/**
 * Makes `@nestjs/terminus` impossible to load, as in an app that does not install it: any
 * attempt to resolve it fails with a recognisable error.
 */
const WITHOUT_TERMINUS_HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === '@nestjs/terminus' || specifier.startsWith('@nestjs/terminus/')) {
    throw new Error('resolved @nestjs/terminus');
  }
  return next(specifier, context);
}`;

const REGISTER_HOOKS = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(WITHOUT_TERMINUS_HOOKS)}`)});`;

/** Runs an ES module script with cwd at the package root, so `nestjs-etp/...` resolves to it. */
async function runScript(script: string, withoutTerminus: boolean): Promise<unknown> {
  const hooks = withoutTerminus
    ? ['--import', `data:text/javascript,${encodeURIComponent(REGISTER_HOOKS)}`]
    : [];
  const { stdout } = await run(
    process.execPath,
    [...hooks, '--input-type=module', '--eval', script],
    { cwd: ROOT },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '');
}

const TRY_BOTH_ENTRIES = `
const outcome = async (load) => {
  try {
    return Object.keys(await load()).length > 0 ? 'loaded' : 'empty';
  } catch (error) {
    return error.message;
  }
};
console.log(JSON.stringify({
  main: await outcome(() => import('nestjs-etp')),
  terminus: await outcome(() => import('nestjs-etp/terminus')),
}));`;

describe('the nestjs-etp/terminus entry point', () => {
  beforeAll(async () => {
    await buildPackageAndSample();
  }, BUILD_TIMEOUT);

  test('is in the exports map, and @nestjs/terminus is an optional peer', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.exports['./terminus']).toEqual({
      types: './dist/terminus/index.d.ts',
      default: './dist/terminus/index.js',
    });
    expect(manifest.peerDependencies['@nestjs/terminus']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependenciesMeta['@nestjs/terminus']).toEqual({ optional: true });
  });

  test('loads EtpHealthIndicator from the built package', async () => {
    const script = `const { EtpHealthIndicator } = await import('nestjs-etp/terminus');
console.log(JSON.stringify({ indicator: typeof EtpHealthIndicator.prototype.isHealthy }));`;
    expect(await runScript(script, false)).toEqual({ indicator: 'function' });
  });

  test('the main entry loads without @nestjs/terminus; only the terminus entry needs it', async () => {
    expect(await runScript(TRY_BOTH_ENTRIES, false)).toEqual({
      main: 'loaded',
      terminus: 'loaded',
    });
    expect(await runScript(TRY_BOTH_ENTRIES, true)).toEqual({
      main: 'loaded',
      terminus: 'resolved @nestjs/terminus',
    });
  });
});
