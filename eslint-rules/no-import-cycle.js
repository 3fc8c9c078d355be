import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { cwd } from 'node:process';

/**
 * Fails on an import cycle, type-only imports included: `import-x/no-cycle` skips those, yet two
 * files that name each other's types cannot be understood, moved or tested one without the
 * other. Follows relative imports only, read from each file's text (every `from '…'` and
 * `import '…'`), so that it needs no type information.
 */

/** A file's relative imports, resolved, kept while the file is unchanged. */
const importsCache = new Map();

const SPECIFIER = /\b(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveImport(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function importsOf(file) {
  let modified;
  try {
    modified = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const cached = importsCache.get(file);
  if (cached !== undefined && cached.modified === modified) return cached.imports;
  const imports = [];
  for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolveImport(file, match[1]);
    if (target !== undefined) imports.push(target);
  }
  importsCache.set(file, { modified, imports });
  return imports;
}

/** A path of imports from `start` back to `goal`, or `undefined`. */
function pathBack(start, goal) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, path] = stack.pop();
    if (file === goal) return path;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of importsOf(file)) stack.push([next, [...path, next]]);
  }
  return undefined;
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles, type-only imports included' },
    schema: [],
    messages: { cycle: 'Import cycle: {{cycle}}' },
  },
  create(context) {
    const file = context.filename;
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = resolveImport(file, specifier);
      if (target === undefined) return;
      const back = pathBack(target, file);
      if (back === undefined) return;
      const cycle = [file, ...back].map((f) => relative(cwd(), f)).join(' -> ');
      context.report({ node, messageId: 'cycle', data: { cycle } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle } };
