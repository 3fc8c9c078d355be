import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ARTIFACTS, isNewerThan, ROOT, withLock, writeStamp } from './package-build.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What `npm pack --json` reports of one tarball, and what npm printed while packing. */
export interface PackedTarball {
  path: string;
  files: string[];
  /** npm's lifecycle output: which scripts ran before the tarball was made. */
  log: string;
}

const PACK_DIR = join(ARTIFACTS, 'pack');
const PACK_STAMP = join(PACK_DIR, '.stamp');
const PACK_REPORT = join(PACK_DIR, 'pack.json');
/** What the tarball is made of: a change to any of these packs again. */
const PACKED_SOURCES = [
  'src',
  'package.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** The working tree's files as a commit of it would hold them: tracked and new, none ignored. */
async function cleanTreeFiles(): Promise<string[]> {
  const { stdout } = await run(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file)));
}

/**
 * Packs the package as `npm pack` does on a fresh clone: the working tree's files, without
 * dist/, are copied to a temporary directory where npm's `prepare` script builds before packing.
 * The dependencies are the repository's, linked rather than installed again to keep it quick. Done
 * once for all test files: the tarball stays in test-artifacts/pack/ until a source changes.
 */
export function packCleanTree(): Promise<PackedTarball> {
  return withLock('pack', async () => {
    if (isNewerThan(PACK_STAMP, PACKED_SOURCES) && existsSync(PACK_REPORT)) {
      const packed = JSON.parse(readFileSync(PACK_REPORT, 'utf8')) as PackedTarball;
      if (existsSync(packed.path)) return packed;
    }
    const started = Date.now();
    rmSync(PACK_DIR, { recursive: true, force: true });
    mkdirSync(PACK_DIR, { recursive: true });
    const tree = freshDirectory('nestjs-etp-clone-');
    try {
      for (const file of await cleanTreeFiles()) {
        mkdirSync(dirname(join(tree.path, file)), { recursive: true });
        copyFileSync(join(ROOT, file), join(tree.path, file));
      }
      if (existsSync(join(tree.path, 'dist'))) throw new Error('the clean tree holds a dist/');
      symlinkSync(join(ROOT, 'node_modules'), join(tree.path, 'node_modules'), 'dir');
      const packed = await npmPack(tree.path, PACK_DIR);
      writeFileSync(PACK_REPORT, JSON.stringify(packed));
      writeStamp(PACK_STAMP, started);
      return packed;
    } finally {
      tree.remove();
    }
  });
}

async function npmPack(cwd: string, destination: string): Promise<PackedTarball> {
  let output: { stdout: string; stderr: string };
  try {
    output = await run(NPM, ['pack', '--json', '--pack-destination', destination], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm pack failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
  const { stdout, stderr } = output;
  // npm may print lifecycle output before the JSON document.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return {
    path: join(destination, report.filename),
    files: report.files.map((file) => file.path),
    log: stdout.slice(0, stdout.indexOf('[')) + stderr,
  };
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

/** Packs before the block's tests; stops its app and removes the directory after. */
export function useConsumerFixture(prefix: string, timeout: number): ConsumerFixture {
  const directory = freshDirectory(prefix);
  const fixture: ConsumerFixture = {
    work: directory.path,
    tarball: { path: '', files: [], log: '' },
    app: undefined,
  };
  beforeAll(async () => {
    fixture.tarball = await packCleanTree();
  }, timeout);
  afterAll(async () => {
    await fixture.app?.stop();
    directory.remove();
  }, timeout);
  return fixture;
}
