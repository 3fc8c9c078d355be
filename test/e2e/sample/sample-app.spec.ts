import { connect } from 'node:net';
import { startNode, type StartedProcess } from '../../support/consumer-app.js';
import { buildPackageAndSample, ROOT } from '../../support/package-build.js';
import { botInLobby, startBuiltSample } from '../../support/sample-process.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

const BUILD_TIMEOUT = 180_000;

describe('the sample app', () => {
  let sample: StartedProcess;
  let port: number;
  const clients: RawClient[] = [];

  const http = (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${port}${path}`, init).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as unknown,
    }));

  /** A chat member: joins `room`, answering the server's `profile` request with its name. */
  async function member(name: string, room = 'lobby'): Promise<RawClient> {
    const client = await RawClient.connect(wsUrl(port));
    clients.push(client);
    client.send(`join||1||{"room":"${room}"}`);
    const ask = await client.next(/^profile\|\|\d+$/);
    client.send(`__ack_profile||${ask.split('||')[1]}||{"name":"${name}"}`);
    await client.next('__ack_join||1||');
    return client;
  }

  beforeAll(async () => {
    await buildPackageAndSample();
    sample = await startBuiltSample();
    port = sample.info.port as number;
    await botInLobby(port);
  }, BUILD_TIMEOUT);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    // Nest's shutdown hook closes the app, then ends the process with the signal it got.
    expect([0, 'SIGTERM']).toContain(await sample?.stop());
  });

  test("serves the Go reference README's example unchanged", async () => {
    const client = await RawClient.connect(wsUrl(port));
    clients.push(client);
    client.send('hello||0||fire and forget');
    expect(await client.request('hello||1||wait acknowledgment', '__ack_hello', 1)).toBe(
      '__ack_hello||1||hello handled',
    );
    client.send('unknown event||0');
    expect(await client.request('unknown event||2', '__ack_unknown event', 2)).toBe(
      '__ack_unknown event||2',
    );
    expect(client.received).toEqual([]); // nothing but the two acks came back
    const { body } = await http('/rooms');
    // This client and the bot: every connection joins goodClients.
    expect(body).toEqual(expect.arrayContaining([{ room: 'goodClients', size: 2 }]));
    expect(sample.output()).toContain('hello event received: wait acknowledgment');
    expect(sample.output()).toContain('unknown event received, unknown event,');
  });

  test('a chat: join with the server asking for a profile, say, who, leave', async () => {
    const alice = await RawClient.connect(wsUrl(port));
    clients.push(alice);
    alice.send('join||1||{"room":"lobby"}');
    // The server asks the newcomer who it is, with an ack of its own, before it answers.
    const ask = await alice.next(/^profile\|\|\d+$/);
    alice.send(`__ack_profile||${ask.split('||')[1]}||{"name":"alice"}`);
    expect(await alice.next('__ack_join||1||')).toBe(
      '__ack_join||1||{"room":"lobby","name":"alice","members":["alice","bot"]}',
    );

    const bob = await member('bob');
    expect(await alice.next('joined||')).toBe('joined||0||{"room":"lobby","name":"bob"}');

    expect(await bob.request('say||2||{"room":"lobby","text":"hi alice"}', '__ack_say', 2)).toBe(
      '__ack_say||2||{"delivered":3}',
    );
    const heard = JSON.parse((await alice.next('message||')).split('||')[2]) as object;
    expect(heard).toEqual({ room: 'lobby', from: 'bob', text: 'hi alice', at: expect.any(String) });

    expect(await alice.request('who||3||{"room":"lobby"}', '__ack_who', 3)).toBe(
      '__ack_who||3||{"room":"lobby","members":["alice","bob","bot"]}',
    );

    expect(await bob.request('leave||4||{"room":"lobby"}', '__ack_leave', 4)).toBe(
      '__ack_leave||4||{"room":"lobby"}',
    );
    expect(await alice.next('left||')).toBe('left||0||{"room":"lobby","name":"bob"}');
    await alice.close();
    // The server sees the close a moment after the client does: ask until it has.
    let members: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      ({ members } = (await http('/rooms/lobby')).body as { members: string[] });
      if (!members.includes('alice')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(members).toEqual(['bot']);
  });

  test('the bot, an EtpClient with @OnEtpEvent handlers, answers in the room', async () => {
    const carol = await member('carol');
    carol.send('say||0||{"room":"lobby","text":"!help"}');
    const reply = async () =>
      JSON.parse(
        (
          await carol.next((frame) => frame.startsWith('message||') && frame.includes('"bot"'))
        ).split('||')[2],
      ) as { from: string; text: string };
    expect(await reply()).toMatchObject({ from: 'bot', text: 'I answer !help, !time and !who' });
    carol.send('say||0||{"room":"lobby","text":"!who"}');
    expect(await reply()).toMatchObject({ from: 'bot', text: 'in lobby: bot, carol' });
  });

  test('an HTTP endpoint posts to a room through EtpRoomsService', async () => {
    const dave = await member('dave', 'kitchen');
    const posted = await http('/rooms/kitchen/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'soup is ready' }),
    });
    expect(posted).toEqual({ status: 201, body: { delivered: 1 } });
    const message = JSON.parse((await dave.next('message||')).split('||')[2]) as object;
    expect(message).toMatchObject({ room: 'kitchen', from: 'http', text: 'soup is ready' });
    expect(await http('/rooms/kitchen')).toEqual({
      status: 200,
      body: { room: 'kitchen', members: ['dave'] },
    });
    const refused = await http('/rooms/kitchen/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '' }),
    });
    expect(refused.status).toBe(400);
  });

  test('refused input: an exception event, then an empty ack', async () => {
    const erin = await member('erin');
    expect(await erin.request('say||2||{"room":"lobby","text":""}', '__ack_say', 2)).toBe(
      '__ack_say||2',
    );
    expect(await erin.next('exception||')).toBe(
      'exception||0||{"status":"error","message":"text must be longer than or equal to 1 characters",' +
        '"cause":{"pattern":"say","data":{"room":"lobby","text":""}}}',
    );
    expect(await erin.request('say||3||{"room":"attic","text":"hello?"}', '__ack_say', 3)).toBe(
      '__ack_say||3',
    );
    expect(await erin.next('exception||')).toContain(
      '"message":"join attic before you speak in it"',
    );
  });

  /** What isp-etp-js-client v2 does with a frame: three parts, the third one JSON-parsed. */
  function asOldClientReads(frame: string): { event: string; data: unknown } {
    const [event, ackId, ...rest] = frame.split('||');
    expect(ackId).toBe('0');
    expect(rest).not.toHaveLength(0);
    return { event, data: JSON.parse(rest.join('||')) as unknown };
  }

  test('the old JS client, which has no acks, gets the member list as an event it can parse', async () => {
    const legacy = await RawClient.connect(wsUrl(port, '/legacy'));
    clients.push(legacy);
    const grace = await member('grace', 'attic');
    legacy.send('join||0||{"room":"attic","name":"old-timer"}');
    expect(asOldClientReads(await legacy.next('members||'))).toEqual({
      event: 'members',
      data: { room: 'attic', members: ['grace', 'old-timer'] },
    });
    expect(await grace.next('joined||')).toBe('joined||0||{"room":"attic","name":"old-timer"}');

    legacy.send('who||0||{"room":"attic"}');
    expect(asOldClientReads(await legacy.next('members||'))).toEqual({
      event: 'members',
      data: { room: 'attic', members: ['grace', 'old-timer'] },
    });
    // Nothing else came: the join's answer went out as the event, not as an ack.
    expect(legacy.received).toEqual([]);
  });

  test('the old JS client that gives no name is a guest at once, never asked for a profile', async () => {
    const legacy = await RawClient.connect(wsUrl(port, '/legacy'));
    clients.push(legacy);
    legacy.send('join||0||{"room":"cellar"}');
    const members = asOldClientReads(await legacy.next('members||', 1_000));
    expect(members.data).toEqual({ room: 'cellar', members: [expect.stringMatching(/^guest-/)] });
    expect(legacy.received).toEqual([]);
  });

  test('the old JS client chats on /legacy in strict JSON, in the same rooms', async () => {
    // isp-etp-js-client v2 writes <event>||0||<json> and needs JSON in every frame it reads.
    const legacy = await RawClient.connect(wsUrl(port, '/legacy'));
    clients.push(legacy);
    legacy.send('join||0||{"room":"porch","name":"old-timer"}');
    await legacy.next('members||');
    const frank = await member('frank', 'porch');
    expect(await legacy.next('joined||')).toBe('joined||0||{"room":"porch","name":"frank"}');

    frank.send('say||0||{"room":"porch","text":"hello, old friend"}');
    expect(await legacy.next('message||')).toMatch(
      /^message\|\|0\|\|\{"room":"porch","from":"frank","text":"hello, old friend","at":"[^"]+"\}$/,
    );
    legacy.send('say||0||{"room":"porch","text":"still here"}');
    expect(await frank.next((frame) => frame.includes('old-timer'))).toContain(
      '"from":"old-timer","text":"still here"',
    );

    // Its answers are JSON too (the old client never asks for one; this shows the codec).
    expect(await legacy.request('leave||9||{"room":"porch"}', '__ack_leave', 9)).toBe(
      '__ack_leave||9||{"room":"porch"}',
    );
    expect(await frank.next('left||')).toBe('left||0||{"room":"porch","name":"old-timer"}');
  });

  test('the bot handles the room traffic it gets: no "no handler" line in the log', async () => {
    const heidi = await member('heidi');
    const ivan = await member('ivan');
    ivan.send('say||0||{"room":"lobby","text":"hello all"}');
    await ivan.request('leave||5||{"room":"lobby"}', '__ack_leave', 5);
    // The bot got joined, message and left before this command, on the same connection.
    heidi.send('say||0||{"room":"lobby","text":"!time"}');
    await heidi.next((frame) => frame.startsWith('message||') && frame.includes('"from":"bot"'));
    // Whatever the bot logged for them is in the output before a line the sample writes later.
    heidi.send('hello||0||log mark');
    for (let attempt = 0; !sample.output().includes('received: log mark'); attempt++) {
      if (attempt === 100) throw new Error(`no log mark in:\n${sample.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sample.output()).toContain('[ChatBot] joined lobby');
    expect(sample.output()).not.toMatch(/No handler for ETP event/);
  });
});

/** Whether something still listens on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run sample:cluster (sample/cluster.mjs)', () => {
  const clients: RawClient[] = [];

  beforeAll(() => buildPackageAndSample(), BUILD_TIMEOUT);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  /** A chat member on the instance at `port`, in `room`, answering the `profile` request. */
  async function member(port: number, name: string, room: string): Promise<RawClient> {
    const client = await RawClient.connect(wsUrl(port));
    clients.push(client);
    client.send(`join||1||{"room":"${room}"}`);
    const ask = await client.next(/^profile\|\|\d+$/);
    client.send(`__ack_profile||${ask.split('||')[1]}||{"name":"${name}"}`);
    return client;
  }

  test('starts Redis and two instances that share their rooms; SIGTERM stops all three', async () => {
    const cluster = await startNode(ROOT, ['sample/cluster.mjs'], {
      env: { PORT_A: '0', PORT_B: '0', HOST: '127.0.0.1', NO_COLOR: '1' },
      ready: (line) => (line.startsWith('[cluster] instance b:') ? {} : undefined),
    });
    try {
      const portOf = (instance: string) =>
        Number(
          new RegExp(`instance ${instance}: http://localhost:(\\d+)/`).exec(cluster.output())![1],
        );
      const [a, b] = [portOf('a'), portOf('b')];
      const redisPort = Number(/at redis:\/\/127\.0\.0\.1:(\d+)/.exec(cluster.output())![1]);

      const alice = await member(a, 'alice', 'bridge');
      expect(await alice.next('__ack_join||1||')).toBe(
        '__ack_join||1||{"room":"bridge","name":"alice","members":["alice"]}',
      );
      const bob = await member(b, 'bob', 'bridge');
      // b's answer lists a's member; a's member hears b's newcomer.
      expect(await bob.next('__ack_join||1||')).toBe(
        '__ack_join||1||{"room":"bridge","name":"bob","members":["alice","bob"]}',
      );
      expect(await alice.next('joined||')).toBe('joined||0||{"room":"bridge","name":"bob"}');

      expect(await bob.request('say||2||{"room":"bridge","text":"from b"}', '__ack_say', 2)).toBe(
        '__ack_say||2||{"delivered":2}',
      );
      expect(await alice.next('message||')).toContain('"from":"bob","text":"from b"');
      alice.send('say||0||{"room":"bridge","text":"from a"}');
      expect(await bob.next((frame) => frame.includes('"text":"from a"'))).toContain(
        '"from":"alice"',
      );

      const posted = await fetch(`http://127.0.0.1:${a}/rooms/bridge/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'posted on a' }),
      });
      expect(await posted.json()).toEqual({ delivered: 2 });
      expect(await bob.next((frame) => frame.includes('posted on a'))).toContain('"from":"http"');

      // One bot for the cluster, on a, seen from b too.
      const lobby = (await (await fetch(`http://127.0.0.1:${b}/rooms/lobby`)).json()) as object;
      expect(lobby).toEqual({ room: 'lobby', members: ['bot'] });

      expect(await cluster.stop()).toBe(0);
      const output = cluster.output();
      expect(output).toContain('[cluster] SIGTERM: stopping');
      // The instances first, then Redis, which they say goodbye through.
      expect(output.indexOf('[cluster] a stopped')).toBeLessThan(
        output.indexOf('[cluster] redis stopped'),
      );
      expect(output.indexOf('[cluster] b stopped')).toBeLessThan(
        output.indexOf('[cluster] redis stopped'),
      );
      expect(await Promise.all([a, b, redisPort].map(listening))).toEqual([false, false, false]);
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  test('without redis-server it says how to install it', async () => {
    const started = startNode(ROOT, ['sample/cluster.mjs'], {
      env: { PATH: '/nonexistent', PORT_A: '0', PORT_B: '0' },
    });
    await expect(started).rejects.toThrow(/exited with 1 before it was ready/);
    await expect(started).rejects.toThrow('apt-get install redis-server');
  });
});
