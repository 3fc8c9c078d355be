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
  if (!existsSync(join(ROOT, 'dist/index.js'))) return false;
  if (!existsSync(join(ROOT, 'sample/dist/main.js'))) return false;
  return isNewerThan(STAMP, SOURCES);
}

/**
 * Runs `work` while holding a lock directory under test-artifacts/, so that test files running in
 * parallel build or pack once: the others wait, then find the result fresh.
 */
export async function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const lock = join(ARTIFACTS, `.${name}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock} held for too long`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Whether `stamp` exists and is newer than every file under `sources` (paths from the root). */
export function isNewerThan(stamp: string, sources: readonly string[]): boolean {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return sources.every((source) => newestChange(join(ROOT, source)) < built);
}

/** Touches `stamp` with the time a build started, so an edit made during it counts as newer. */
export function writeStamp(stamp: string, started: number): void {
  writeFileSync(stamp, '');
  utimesSync(stamp, new Date(started), new Date(started));
}

/**
 * Builds the package (`dist/`) and the sample (`sample/dist/`) once for all test files. The
 * sample imports the package by its name, so it runs against `dist/` exactly as a user's app would.
 */
export function buildPackageAndSample(): Promise<void> {
  return withLock('package-build', async () => {
    if (isFresh()) return;
    const started = Date.now();
    await tsc('-p', 'tsconfig.build.json');
    await tsc('-p', 'sample/tsconfig.json');
    writeStamp(STAMP, started);
  });
}
