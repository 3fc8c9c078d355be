import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/package-build.js';

/** A TypeScript file a page shows: a block opening with `// name.ts` is that file. */
export interface Snippet {
  name: string;
  code: string;
}

/** A page of the documentation and the files its snippets make. */
export interface DocPage {
  path: string;
  snippets: Snippet[];
}

const FILE_NAME = /^\/\/ ([\w.-]+\.ts)\n/;

/** The ```ts blocks of a Markdown text; unnamed ones are numbered. */
export function snippetsOf(markdown: string): Snippet[] {
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  return blocks.map((code, index) => ({
    name: FILE_NAME.exec(code)?.[1] ?? `snippet-${String(index + 1).padStart(2, '0')}.ts`,
    code,
  }));
}

/** README.md, then every docs/*.md, with their snippets. */
export function docPages(): DocPage[] {
  const paths = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ];
  return paths.map((path) => ({
    path,
    snippets: snippetsOf(readFileSync(join(ROOT, path), 'utf8')),
  }));
}

/**
 * The files of one page as a user's project holds them: the README's Quick start files first
 * (a page builds on them: `main.ts`, `chat.gateway.ts`), then the page's own, which replace
 * those of the same name.
 */
export function projectOf(page: DocPage, readme: DocPage): Snippet[] {
  const files = new Map<string, string>();
  if (page !== readme) {
    for (const file of readme.snippets) {
      if (!file.name.startsWith('snippet-')) files.set(file.name, file.code);
    }
  }
  for (const file of page.snippets) files.set(file.name, file.code);
  return [...files].map(([name, code]) => ({ name, code }));
}

/** A directory name for a page's project: `docs/security.md` → `docs-security`. */
export function directoryOf(page: DocPage): string {
  return page.path.replace(/\.md$/, '').replace(/\//g, '-');
}
