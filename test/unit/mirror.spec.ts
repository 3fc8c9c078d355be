import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Whether a statement leaves code in the output: types, imports and re-exports do not. */
function isRuntime(statement: ts.Statement): boolean {
  if (
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isImportDeclaration(statement) ||
    ts.isExportDeclaration(statement) ||
    ts.isModuleDeclaration(statement)
  ) {
    return false;
  }
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
  return !modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword);
}

function hasRuntimeCode(path: string): boolean {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.some(isRuntime);
}

describe('test/unit mirrors src', () => {
  test('every source file with code has its spec at the same path under test/unit', () => {
    const missing = sourceFiles(SOURCES)
      .filter(hasRuntimeCode)
      .map((path) => relative(SOURCES, path))
      .filter((path) => !existsSync(join(ROOT, 'test', 'unit', path.replace(/\.ts$/, '.spec.ts'))));
    expect(missing).toEqual([]);
  });

  test('the check sees code: a file of types alone has none, a constant is code', () => {
    const types = ts.createSourceFile(
      'types.ts',
      "import type { A } from './a.js';\nexport interface B { a: A }\nexport type C = B;\nexport { D } from './d.js';",
      ts.ScriptTarget.Latest,
    );
    const constant = ts.createSourceFile('c.ts', 'export const E = 1;', ts.ScriptTarget.Latest);
    expect(types.statements.some(isRuntime)).toBe(false);
    expect(constant.statements.some(isRuntime)).toBe(true);
  });
});
