import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/package-build.js';

const page = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** Every `folder/file.ts` the page names, as written in backticks. */
const named = [...page.matchAll(/`((?:[a-z]+\/)+[a-z0-9.-]+\.(?:ts|js))`/g)].map(
  (match) => match[1],
);

describe('ARCHITECTURE.md', () => {
  test('names files of src/ (and the lint rule) that exist', () => {
    expect(named.length).toBeGreaterThan(40);
    const missing = named.filter(
      (path) => !existsSync(join(ROOT, 'src', path)) && !existsSync(join(ROOT, path)),
    );
    expect(missing).toEqual([]);
  });

  test('names every folder of src/ as a layer', () => {
    for (const folder of ['protocol', 'metrics', 'client', 'server', 'rooms', 'cluster', 'redis']) {
      expect(page).toContain(`**${folder}/**`);
    }
  });
});
