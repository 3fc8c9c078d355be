import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFile } from '@swc/core';
import { startNode, type StartedProcess } from './consumer-app.js';
import { ARTIFACTS, ROOT } from './package-build.js';

/** The options `jest.config.ts` compiles with: Nest's decorators need their metadata. */
const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
} as const;

function typescriptFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return typescriptFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Compiles `src/` and one entry file with SWC into a directory of test-artifacts, keeping the
 * layout so that the entry's relative imports of `src/` still hold; returns the compiled entry.
 * It stays inside the repository, so `node_modules` resolves as for the tests themselves.
 */
export async function compileEntry(entry: string, name: string): Promise<string> {
  const out = join(ARTIFACTS, name);
  rmSync(out, { recursive: true, force: true });
  const files = [...typescriptFiles(join(ROOT, 'src')), join(ROOT, entry)];
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(file, { ...SWC_OPTIONS, filename: file });
      const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }),
  );
  return join(out, entry).replace(/\.ts$/, '.js');
}

/** A Nest app instance in a process of its own, started from a compiled entry. */
export interface Instance extends StartedProcess {
  readonly port: number;
  readonly name: string;
}

/** Starts `node <entry>`; it announces itself with a JSON line carrying its `port`. */
export async function startInstance(
  entry: string,
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<Instance> {
  const started = await startNode(ROOT, [entry], { env: { NO_COLOR: '1', ...env } });
  return { ...started, port: started.info.port as number, name };
}
