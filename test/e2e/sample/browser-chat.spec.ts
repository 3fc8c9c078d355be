import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { StartedProcess } from '../../support/consumer-app.js';
import { ARTIFACTS, buildPackageAndSample } from '../../support/package-build.js';
import { RedisServer } from '../../support/redis-server.js';
import { botInLobby, startBuiltSample } from '../../support/sample-process.js';

// Debian's chromium, driven by playwright-core: browsers cannot be downloaded here.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const IN_CI = process.env.CI === 'true';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = join(ARTIFACTS, 'browser');
const STEP = { timeout: 10_000 };
/** A phone's CSS viewport (an iPhone 12 to 15), and a laptop's. */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`${CHROMIUM} is missing: the browser test is skipped (under CI=true it must run)`);
}

(HAVE_CHROMIUM || IN_CI ? describe : describe.skip)('the sample page in Chromium', () => {
  let sample: StartedProcess | undefined;
  let browser: Browser | undefined;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true and ${CHROMIUM} is missing: install chromium`);
    await buildPackageAndSample();
    sample = await startBuiltSample();
    const port = sample.info.port as number;
    base = `http://127.0.0.1:${port}`;
    await botInLobby(port);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.stop();
  });

  async function open(
    name: string,
    { room, phone = false, at = base }: { room?: string; phone?: boolean; at?: string } = {},
  ): Promise<Page> {
    const context = await browser!.newContext(
      phone
        ? { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
        : { viewport: DESKTOP },
    );
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    await page.goto(`${at}/?name=${name}${room === undefined ? '' : `&room=${room}`}`);
    await page.locator('#status[data-state="connected"]').waitFor(STEP);
    return page;
  }

  const message = (page: Page, text: string) =>
    page.locator('#messages li', { hasText: text }).first().waitFor(STEP);
  const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.click('#send');
  }

  test('before joining, the page says what to do; Send waits for a room, Join for a new one', async () => {
    const page = await open('newcomer', { room: 'porch' });
    expect(await page.locator('#hint').isVisible()).toBe(true);
    expect(await page.locator('#hint').textContent()).toContain('press Join');
    expect(await page.locator('#send').isDisabled()).toBe(true);
    expect(await page.locator('#text').getAttribute('placeholder')).toBe('Join a room to speak');
    expect(await page.locator('#join').isEnabled()).toBe(true);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-before-join.png') });

    await page.click('#join');
    await message(page, 'you joined porch as newcomer');
    expect(await page.locator('#hint').isVisible()).toBe(false);
    expect(await page.locator('#send').isEnabled()).toBe(true);
    expect(await page.locator('#join').isDisabled()).toBe(true);
    // Naming another room enables Join again: joining it leaves this one.
    await page.fill('#room', 'attic');
    expect(await page.locator('#join').isEnabled()).toBe(true);
    await page.fill('#room', 'porch');
    expect(await page.locator('#join').isDisabled()).toBe(true);
    await page.click('#leave');
    await message(page, 'you left porch');
    expect(await page.locator('#join').isEnabled()).toBe(true);
    expect(await page.locator('#hint').isVisible()).toBe(true);
    await page.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test('two pages chat through a room, with acks both ways', async () => {
    const alice = await open('alice');
    const bob = await open('bob');

    // join: the page asks with an ack; meanwhile the server asks the page for its profile.
    await alice.click('#join');
    await message(alice, 'you joined lobby as alice');
    await bob.click('#join');
    await message(bob, 'you joined lobby as bob');
    await message(alice, 'bob joined lobby');
    expect(await texts(alice, '#acks li')).toEqual(
      expect.arrayContaining([
        'server asked for our profile → answered name: alice',
        'join lobby → room: lobby, name: alice, members: alice, bot',
      ]),
    );
    await alice.locator('#members li', { hasText: 'bob' }).waitFor(STEP);
    expect(await texts(alice, '#members li')).toEqual(['alice', 'bob', 'bot']);
    expect(await texts(bob, '#members li')).toEqual(['alice', 'bob', 'bot']);

    await say(alice, 'hello bob');
    await message(bob, 'hello bob');
    expect(
      await bob.locator('#messages li', { hasText: 'hello bob' }).locator('.from').textContent(),
    ).toBe('alice');
    await alice.locator('#acks li', { hasText: 'say → delivered to 3' }).waitFor(STEP);

    await say(bob, 'hi alice, ask the bot');
    await message(alice, 'hi alice, ask the bot');

    // The bot is an EtpClient in the same app, answering in the room.
    await say(alice, '!help');
    await message(alice, 'I answer !help, !time and !who');
    await say(alice, '!who');
    await message(alice, 'in lobby: alice, bob, bot');
    await message(bob, 'in lobby: alice, bob, bot');

    // An HTTP endpoint posts to the room through EtpRoomsService.
    const posted = await fetch(`${base}/rooms/lobby/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'a word from the HTTP API', from: 'curl' }),
    });
    expect(await posted.json()).toEqual({ delivered: 3 });
    await message(alice, 'a word from the HTTP API');
    await message(bob, 'a word from the HTTP API');

    // A refused message: the server's exception event shows, and the ack still came.
    await alice.evaluate(() => {
      const text = document.getElementById('text') as HTMLInputElement;
      text.removeAttribute('maxlength');
      text.value = 'x'.repeat(501);
    });
    await alice.click('#send');
    await message(alice, 'server refused: "text must be shorter than or equal to 500 characters"');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await alice.screenshot({ path: join(SCREENSHOTS, 'chat-alice.png') });
    await bob.screenshot({ path: join(SCREENSHOTS, 'chat-bob.png') });

    // bob leaves: alice hears it and the member list follows.
    await bob.click('#leave');
    await message(alice, 'bob left lobby');
    await alice.locator('#members li', { hasText: 'bob' }).waitFor({ state: 'detached', ...STEP });
    expect(await texts(alice, '#members li')).toEqual(['alice', 'bot']);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test('on a phone the messages get the width; acks are numbered in arrival order', async () => {
    const phone = await open('pia', { room: 'pocket', phone: true });
    await phone.click('#join');
    await message(phone, 'you joined pocket as pia');
    await say(phone, 'typing on a small screen, and the line still reads well');
    await phone.locator('#acks li', { hasText: 'say → delivered to 1' }).waitFor(STEP);

    const width = async (selector: string) => (await phone.locator(selector).boundingBox())!.width;
    // The side panel takes 17rem on a desktop; on a phone it must not squeeze the messages.
    expect(await width('#messages')).toBeGreaterThanOrEqual(320);
    expect(await width('#text')).toBeGreaterThanOrEqual(200);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBe(PHONE.width);
    // The message box is on screen, not pushed below the fold.
    const box = (await phone.locator('#say-form').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    // The title and the status pill share one line, neither wrapped.
    const title = (await phone.locator('h1').boundingBox())!;
    const status = (await phone.locator('#status').boundingBox())!;
    const lineHeight = await phone
      .locator('h1')
      .evaluate((h1) => parseFloat(getComputedStyle(h1).lineHeight));
    expect(title.height).toBeLessThanOrEqual(lineHeight + 1);
    expect(status.height).toBeLessThan(2 * lineHeight);
    expect(Math.abs(title.y + title.height / 2 - (status.y + status.height / 2))).toBeLessThan(4);
    // The answers box lies whole within the side panel and the screen: nothing of it is cut.
    const acksBox = (await phone.locator('#acks').boundingBox())!;
    const side = (await phone.locator('.side').boundingBox())!;
    expect(acksBox.y + acksBox.height).toBeLessThanOrEqual(side.y + side.height);
    expect(acksBox.x + acksBox.width).toBeLessThanOrEqual(PHONE.width);
    const shown = await phone.locator('#acks li:visible').count();
    expect(shown).toBeGreaterThanOrEqual(1);
    expect(
      await phone.locator('#acks').evaluate((list) => list.scrollHeight - list.clientHeight),
    ).toBe(0);
    // The status pill says where it is connected, whole.
    expect(
      await phone.locator('#status').evaluate((pill) => pill.scrollWidth - pill.clientWidth),
    ).toBe(0);
    // Answers wrap between words, never inside one.
    expect(
      await phone.locator('#acks').evaluate((list) => getComputedStyle(list).overflowWrap),
    ).toBe('break-word');

    // Newest on top, numbered as they came: profile (1), join (2), say (3).
    const acks = await phone
      .locator('#acks li')
      .evaluateAll((items) =>
        items.map((item) => [(item as HTMLLIElement).value, item.textContent ?? '']),
      );
    expect(acks.map(([number]) => number)).toEqual([3, 2, 1]);
    expect(acks.map(([, text]) => String(text).split(' ')[0])).toEqual(['say', 'join', 'server']);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await phone.screenshot({ path: join(SCREENSHOTS, 'chat-phone.png') });
    await phone.context().close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  describe('two instances sharing their rooms through Redis', () => {
    let redis: RedisServer | undefined;
    let instances: StartedProcess[] = [];
    let a: string;
    let b: string;

    beforeAll(async () => {
      redis = await RedisServer.start();
      // One bot for the cluster, on a: the sample runs it on one instance only.
      instances = await Promise.all([
        startBuiltSample({ redisUrl: redis.url }),
        startBuiltSample({ redisUrl: redis.url, bot: false }),
      ]);
      [a, b] = instances.map((instance) => `http://127.0.0.1:${instance.info.port as number}`);
      await botInLobby(instances[1].info.port as number); // seen from b: the member list spans both
    }, 60_000);

    afterAll(async () => {
      const stopped = await Promise.all(instances.map((instance) => instance.stop()));
      await redis?.stop();
      expect(stopped.every((code) => code === 0 || code === 'SIGTERM')).toBe(true);
    });

    test('a page on each instance: one room, messages both ways, one member list, HTTP on a reaches b', async () => {
      const alice = await open('alice', { at: a });
      const bob = await open('bob', { at: b });
      expect(await alice.locator('#status').textContent()).toBe(`connected to ${new URL(a).host}`);
      expect(await bob.locator('#status').textContent()).toBe(`connected to ${new URL(b).host}`);

      await alice.click('#join');
      await message(alice, 'you joined lobby as alice');
      await bob.click('#join');
      await message(bob, 'you joined lobby as bob');
      await message(alice, 'bob joined lobby'); // b's broadcast, heard on a
      await alice.locator('#members li', { hasText: 'bob' }).waitFor(STEP);
      expect(await texts(alice, '#members li')).toEqual(['alice', 'bob', 'bot']);
      expect(await texts(bob, '#members li')).toEqual(['alice', 'bob', 'bot']);

      await say(alice, 'hello from a');
      await message(bob, 'hello from a');
      expect(
        await bob
          .locator('#messages li', { hasText: 'hello from a' })
          .locator('.from')
          .textContent(),
      ).toBe('alice');
      await alice.locator('#acks li', { hasText: 'say → delivered to 3' }).waitFor(STEP);
      await say(bob, 'hello from b');
      await message(alice, 'hello from b');

      // The bot runs on a; asked on b, it answers once, to both.
      await say(bob, '!who');
      await message(bob, 'in lobby: alice, bob, bot');
      await message(alice, 'in lobby: alice, bob, bot');

      const posted = await fetch(`${a}/rooms/lobby/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'posted to a over HTTP', from: 'curl' }),
      });
      expect(await posted.json()).toEqual({ delivered: 3 });
      await message(bob, 'posted to a over HTTP');
      await message(alice, 'posted to a over HTTP');
      const rooms = (await (await fetch(`${b}/rooms`)).json()) as unknown;
      expect(rooms).toEqual(expect.arrayContaining([{ room: 'lobby', size: 3 }]));

      mkdirSync(SCREENSHOTS, { recursive: true });
      await alice.screenshot({ path: join(SCREENSHOTS, 'cluster-a.png') });
      await bob.screenshot({ path: join(SCREENSHOTS, 'cluster-b.png') });
      // By now a second bot would have answered too.
      expect(await bob.locator('#messages li', { hasText: 'in lobby:' }).count()).toBe(1);

      // bob's page closes: b's disconnect hook tells the room, and a's member list follows.
      await bob.context().close();
      await message(alice, 'bob left lobby');
      await alice
        .locator('#members li', { hasText: 'bob' })
        .waitFor({ state: 'detached', ...STEP });
      expect(await texts(alice, '#members li')).toEqual(['alice', 'bot']);
      await alice.context().close();
      expect(pageErrors).toEqual([]);
    }, 60_000);

    test('a page whose instance is killed gets what it missed when the instance is back', async () => {
      const carol = await open('carol', { at: b, room: 'den' });
      await carol.click('#join');
      await message(carol, 'you joined den as carol');
      const port = instances[1].info.port as number;
      instances[1].child.kill('SIGKILL');
      await instances[1].stop();
      await carol.locator('#status[data-state="disconnected"]').waitFor(STEP);
      for (const text of ['missed one', 'missed two', 'missed three']) {
        const posted = await fetch(`${a}/rooms/den/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text, from: 'curl' }),
        });
        expect(posted.status).toBe(201);
      }
      instances[1] = await startBuiltSample({ redisUrl: redis!.url, bot: false, port });
      // The page's next attempt may be as far off as its backoff's ceiling (10 s) when the
      // instance is back: wait for that, and then some, on a loaded machine.
      await carol
        .locator('#messages li', { hasText: 'reconnected, nothing missed' })
        .first()
        .waitFor({ timeout: 25_000 });
      await message(carol, 'missed three');
      const shown = (await texts(carol, '#messages li')).filter((text) => text.includes('curl'));
      expect(shown.map((text) => text.replace(/^.*curl/, ''))).toEqual([
        'missed one',
        'missed two',
        'missed three',
      ]);
      await say(carol, 'back again');
      await message(carol, 'back again');
      await carol.screenshot({ path: join(SCREENSHOTS, 'chat-recovered.png') });
      await carol.context().close();
      expect(pageErrors).toEqual([]);
    }, 90_000);
  });
});
