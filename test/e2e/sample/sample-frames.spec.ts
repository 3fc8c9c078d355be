import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedProcess } from '../../support/consumer-app.js';
import { buildPackageAndSample, ROOT } from '../../support/package-build.js';
import { startBuiltSample } from '../../support/sample-process.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

const BUILD_TIMEOUT = 180_000;
const PAGE = readFileSync(join(ROOT, 'docs/sample.md'), 'utf8');
/** The server's clock: the one part of a frame the page cannot state byte for byte. */
const TIMESTAMP = /"at":"[^"]+"/g;

/** The page's conversations: ```text blocks of `→ sent` and `← received` lines, in order. */
function conversations(markdown: string): string[][] {
  return [...markdown.matchAll(/^```text\n([\s\S]*?)^```$/gm)]
    .map((match) => match[1].split('\n').filter((line) => /^[→←] /.test(line)))
    .filter((lines) => lines.length > 0);
}

describe('the frames docs/sample.md shows', () => {
  let sample: StartedProcess | undefined;
  let client: RawClient | undefined;

  beforeAll(async () => {
    await buildPackageAndSample();
    sample = await startBuiltSample({ bot: false });
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await client?.close();
    expect([0, 'SIGTERM']).toContain(await sample?.stop());
  });

  test('every event of the chat (join, profile, say, who, leave, a refusal) is on the page', () => {
    const sent = conversations(PAGE)
      .flat()
      .filter((line) => line.startsWith('→ '))
      .map((line) => line.slice(2).split('||')[0]);
    expect(sent).toEqual(['join', '__ack_profile', 'say', 'who', 'leave', 'say']);
  });

  test('one connection replaying the conversations in order receives exactly the frames shown', async () => {
    client = await RawClient.connect(wsUrl(sample!.info.port as number));
    const received: string[] = [];
    const expected: string[] = [];
    for (const lines of conversations(PAGE)) {
      for (const line of lines) {
        const frame = line.slice(2);
        if (line.startsWith('→ ')) {
          client.send(frame);
        } else {
          expected.push(frame.replace(TIMESTAMP, '"at":"…"'));
          received.push((await client.next(() => true)).replace(TIMESTAMP, '"at":"…"'));
        }
      }
    }
    expect(received).toEqual(expected);
    expect(client.received).toEqual([]);
  });
});
