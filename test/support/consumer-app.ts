import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildPackageAndSample, ROOT } from './package-build.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What `npm pack --json` reports of one tarball. */
export interface PackedTarball {
  path: string;
  files: string[];
}

/** Packs the repository as `npm publish` would, into a directory of its own. */
export async function packTarball(destination: string): Promise<PackedTarball> {
  const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', destination], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  // npm may print lifecycle output before the JSON document.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return { path: join(destination, report.filename), files: report.files.map((file) => file.path) };
}

/** The version of a dependency installed in the repository, to install the same in a consumer. */
export function installedVersion(name: string): string {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

/** A fresh directory outside the repository, so nothing resolves from the repository's node_modules. */
export function freshDirectory(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

/** `npm install` in the consumer, preferring the local cache; the error carries npm's output. */
export async function npmInstall(cwd: string): Promise<void> {
  try {
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm install failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, {
      cause: error,
    });
  }
}

/** A started Node process that printed one JSON line about itself. */
export interface StartedProcess {
  child: ChildProcess;
  info: Record<string, unknown>;
  output: () => string;
  /** Ends the process; resolves with its exit code, or the signal that ended it. */
  stop: () => Promise<number | string | null>;
}

/** Reads a JSON object line, the way the consumer apps of the tests announce themselves. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Recognises the line that says the process is ready, and what it tells. */
  ready?: (line: string) => Record<string, unknown> | undefined;
}

/**
 * Starts `node <args>` and waits for the stdout line that says it is ready. Fails with the
 * process's output when it exits or stays silent first; `stop()` ends it (SIGTERM, then SIGKILL).
 */
export function startNode(
  cwd: string,
  args: string[],
  { env = {}, timeoutMs = 30_000, ready = jsonLine }: StartOptions = {},
): Promise<StartedProcess> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const stop = async (): Promise<number | string | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (started) return;
      for (const line of output.split('\n')) {
        const info = ready(line.trim());
        if (info === undefined) continue;
        started = true;
        clearTimeout(timer);
        resolve({ child, info, output: () => output, stop });
        return;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then((code) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** A describe block's packed tarball in a temporary directory, and the app it starts. */
export interface ConsumerFixture {
  readonly work: string;
  tarball: PackedTarball;
  app: StartedProcess | undefined;
}

/** Builds and packs before the block's tests; stops its app and removes the directory after. */
export function useConsumerFixture(prefix: string, timeout: number): ConsumerFixture {
  const directory = freshDirectory(prefix);
  const fixture: ConsumerFixture = {
    work: directory.path,
    tarball: { path: '', files: [] },
    app: undefined,
  };
  beforeAll(async () => {
    await buildPackageAndSample();
    fixture.tarball = await packTarball(directory.path);
  }, timeout);
  afterAll(async () => {
    await fixture.app?.stop();
    directory.remove();
  }, timeout);
  return fixture;
}
