import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ROOT } from '../support/package-build.js';

/** The pages that link to each other: README, docs/, CONTRIBUTING, ARCHITECTURE, the bench report. */
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'ARCHITECTURE.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const outsideCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1])));
}

/** Every relative link of a page, code blocks left out: `[text](target)` and `![alt](target)`. */
function linksOf(markdown: string): string[] {
  const outsideCode = markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
  return [...outsideCode.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** The links of `page` whose file or heading does not exist. */
function brokenLinks(page: string, markdown: string, read: (path: string) => string | undefined) {
  const broken: string[] = [];
  for (const link of linksOf(markdown)) {
    const [file, anchor] = link.split('#');
    const target = file === '' ? page : normalize(join(dirname(page), file));
    const text = read(target);
    if (text === undefined) broken.push(`${link}: no file ${target}`);
    else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(text).has(anchor))
      broken.push(`${link}: no heading #${anchor} in ${target}`);
  }
  return broken;
}

function readPage(path: string): string | undefined {
  const full = join(ROOT, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
}

describe('links between the README, docs/, CONTRIBUTING.md and bench/README.md', () => {
  test.each(PAGES)('every relative link of %s resolves, headings included', (page) => {
    expect(brokenLinks(page, readPage(page) ?? '', readPage)).toEqual([]);
  });

  test.each(PAGES)('every code block of %s opens with its language and is closed', (page) => {
    let open: string | undefined;
    const unlabelled: number[] = [];
    for (const [index, line] of (readPage(page) ?? '').split('\n').entries()) {
      if (!line.startsWith('```')) continue;
      if (open === undefined && line.trim() === '```') unlabelled.push(index + 1);
      open = open === undefined ? line : undefined;
    }
    expect({ unlabelled, unclosed: open }).toEqual({ unlabelled: [], unclosed: undefined });
  });

  test('the README links every page of docs/', () => {
    const linked = new Set(linksOf(readPage('README.md') ?? '').map((link) => link.split('#')[0]));
    const docs = PAGES.filter((page) => page.startsWith('docs/'));
    expect(docs.filter((page) => !linked.has(page))).toEqual([]);
  });

  test('the check finds a missing file and a missing heading', () => {
    const pages: Record<string, string> = { 'docs/a.md': '# A\n\n## Two words\n' };
    const markdown = '[ok](a.md#two-words) [gone](b.md) [wrong](a.md#three) [self](#nowhere)';
    expect(brokenLinks('docs/x.md', markdown, (path) => pages[path])).toEqual([
      'b.md: no file docs/b.md',
      'a.md#three: no heading #three in docs/a.md',
      '#nowhere: no file docs/x.md',
    ]);
  });
});
