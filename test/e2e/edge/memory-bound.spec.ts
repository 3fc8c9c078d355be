import { join } from 'node:path';
import { startNode, type StartedProcess } from '../../support/consumer-app.js';
import { buildPackageAndSample, ROOT } from '../../support/package-build.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { eventually } from '../../support/app.js';
import { RawPeer } from './support/raw-peer.js';

const BUILD_TIMEOUT = 180_000;
const MIB = 1024 * 1024;
const FLOOD_MIB = 500;
/** The default maxBufferedBytes is 4 MiB: what is left after GC must stay near it, far from 500. */
const HELD_LIMIT = 32 * MIB;
/** Broadcasting 500 MiB, even to a room whose member is gone, takes seconds on a busy machine. */
const ANSWER_TIMEOUT = 45_000;

describe(`memory held after GC under a ${FLOOD_MIB} MB flood against a stalled peer`, () => {
  let server: StartedProcess;
  let control: RawClient;
  let port: number;
  let id = 0;

  /** Asks the server and waits for its answer. */
  async function ask(event: string, data?: number): Promise<string> {
    const ackId = ++id;
    const answer = control.next(`__ack_${event}||${ackId}||`, ANSWER_TIMEOUT);
    control.send(`${event}||${ackId}${data === undefined ? '' : `||${data}`}`);
    return (await answer).slice(`__ack_${event}||${ackId}||`.length);
  }

  async function memory(): Promise<{ held: number; slowConsumers: number }> {
    const answer = await ask('memory');
    return JSON.parse(answer) as {
      held: number;
      slowConsumers: number;
    };
  }

  beforeAll(async () => {
    await buildPackageAndSample();
    server = await startNode(ROOT, [
      '--expose-gc',
      join(ROOT, 'test/e2e/edge/support/flood-server.mjs'),
    ]);
    port = server.info.port as number;
    control = await RawClient.connect(wsUrl(port));
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await control?.close();
    await server?.stop();
  });

  it('a room member that stopped reading: the broadcasts it misses are not kept for it', async () => {
    const before = await memory();
    const stalled = await RawPeer.connect(port);
    stalled.send('join||1');
    await eventually(() => stalled.messages.includes('__ack_join||1||ok'));
    stalled.pause();

    expect(await ask('flood', FLOOD_MIB)).toBe(`${FLOOD_MIB}`);
    const after = await memory();
    stalled.destroy();
    expect(after.slowConsumers).toBe(before.slowConsumers + 1);
    expect(after.held - before.held).toBeLessThan(HELD_LIMIT);
  }, 60_000);

  it('a peer asking for answers it never reads: they are not kept for it', async () => {
    const before = await memory();
    const greedy = await RawPeer.connect(port);
    greedy.pause();
    // 500 requests, each answered with 1 MiB.
    for (let ackId = 1; ackId <= FLOOD_MIB; ackId++) greedy.send(`big||${ackId}`);
    let after = await memory();
    for (let round = 0; after.slowConsumers === before.slowConsumers && round < 100; round++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await memory();
    }
    greedy.destroy();
    expect(after.slowConsumers).toBe(before.slowConsumers + 1);
    expect(after.held - before.held).toBeLessThan(HELD_LIMIT);
  }, 60_000);
});
