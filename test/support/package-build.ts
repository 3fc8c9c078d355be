import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const STAMP = join(ARTIFACTS, '.package-build.stamp');
const LOCK = join(ARTIFACTS, '.package-build.lock');
const SOURCES = [
  'src',
  'sample/src',
  'tsconfig.json',
  'tsconfig.build.json',
  'sample/tsconfig.json',
];
const LOCK_WAIT_MS = 180_000;
const STALE_LOCK_MS = 300_000;

/** Runs the TypeScript compiler of the repository; rejects with its output on errors. */
export async function tsc(...args: string[]): Promise<void> {
  try {
    await run(process.execPath, [TSC, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, {
      cause: error,
    });
  }
}

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(STAMP) || !existsSync(join(ROOT, 'dist/index.js'))) return false;
  if (!existsSync(join(ROOT, 'sample/dist/main.js'))) return false;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.every((source) => newestChange(join(ROOT, source)) < built);
}

/**
 * Builds the package (`dist/`) and the sample (`sample/dist/`) once for all test files: the
 * first one builds under a lock, the others wait and find the build fresh. The sample imports
 * the package by its name, so it runs against `dist/` exactly as a user's app would.
 */
export async function buildPackageAndSample(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} held for too long`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    if (isFresh()) return;
    const started = Date.now();
    await tsc('-p', 'tsconfig.build.json');
    await tsc('-p', 'sample/tsconfig.json');
    // The stamp is as old as the start of the build, so an edit made during it counts as newer.
    writeFileSync(STAMP, '');
    utimesSync(STAMP, new Date(started), new Date(started));
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
