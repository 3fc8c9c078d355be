import { compileEntry, startInstance, type Instance } from '../../support/instances.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { RedisServer } from '../../support/redis-server.js';

const FIXTURE = 'test/e2e/recovery/fixture/recovery-instance.ts';
const MAX_MESSAGES = 5;
const SETUP_TIMEOUT = 60_000;

type Position = [string, string, number];

interface Hello {
  readonly recovered: boolean;
  readonly id: string;
}

/** An opted-in connection once it knows its position in `live`, the room every one joins. */
async function optedIn(
  port: number,
  state = '1',
): Promise<{ client: RawClient; hello: Hello; position: Position }> {
  const client = await RawClient.connect(`${wsUrl(port)}?__etp_recovery=${state}`);
  try {
    const first = await client.next(() => true);
    expect(first.startsWith('__etp_hello||0||')).toBe(true);
    const hello = JSON.parse(first.slice('__etp_hello||0||'.length)) as Hello;
    const frame = await client.next('__etp_pos||0||');
    const position = JSON.parse(frame.slice('__etp_pos||0||'.length)) as Position;
    return { client, hello, position };
  } catch (error) {
    await client.close();
    throw error;
  }
}

function stateOf(id: string, positions: Position[]): string {
  return Buffer.from(JSON.stringify({ id, p: positions }), 'utf8').toString('base64url');
}

describe('recovery says false, never a silent gap, when the history cannot tell', () => {
  let redis: RedisServer | undefined;
  let instance: Instance | undefined;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    let entry: string;
    [redis, entry] = await Promise.all([
      RedisServer.start(),
      compileEntry(FIXTURE, 'recovery-lost-history'),
    ]);
    instance = await startInstance(entry, 'a', {
      REDIS_URL: redis.url,
      PREFIX: 'lost',
      MAX_MESSAGES: String(MAX_MESSAGES),
    });
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await instance?.stop();
    await redis?.stop();
  });

  /** Sends `count` ticks to `live` and waits until they are sent. */
  async function stream(from: number, count: number): Promise<void> {
    const driver = await RawClient.connect(wsUrl(instance!.port));
    clients.push(driver);
    const body = JSON.stringify({ from, count, every: 0 });
    await driver.request(`stream||1||${body}`, '__ack_stream', 1);
  }

  it('when more was missed than a room keeps', async () => {
    const first = await optedIn(instance!.port);
    clients.push(first.client);
    await first.client.close();
    await stream(1, MAX_MESSAGES + 3);
    const back = await optedIn(instance!.port, stateOf(first.hello.id, [first.position]));
    clients.push(back.client);
    expect(back.hello.recovered).toBe(false);
    const [, epoch, offset] = back.position;
    expect(epoch).toBe(first.position[1]);
    expect(offset).toBe(first.position[2] + MAX_MESSAGES + 3);
    // Nothing of the gap is replayed: the client starts over from its new position.
    await stream(100, 1);
    const next = await back.client.next('__etp_b||');
    expect(next).toBe(`__etp_b||0||["live","${epoch}",${offset + 1}]\ntick||0||100`);
  });

  it('when Redis restarted and lost every history: another epoch tells', async () => {
    const first = await optedIn(instance!.port);
    clients.push(first.client);
    await stream(1, 2);
    await first.client.next((frame) => frame.endsWith('tick||0||2'));
    const [, epoch, offset] = first.position;
    const seen: Position = ['live', epoch, offset + 2];
    await first.client.close();

    await redis!.stop();
    await redis!.start();
    // The broker reconnects on its own; a fresh connection learns its position once it has.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        clients.push((await optedIn(instance!.port)).client);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    const back = await optedIn(instance!.port, stateOf(first.hello.id, [seen]));
    clients.push(back.client);
    expect(back.hello.recovered).toBe(false);
    expect(back.position[1]).not.toBe(epoch);
    expect(back.position[2]).toBe(0);
    await stream(3, 1);
    const next = await back.client.next('__etp_b||');
    expect(next).toBe(`__etp_b||0||["live","${back.position[1]}",1]\ntick||0||3`);
  }, 40_000);
});
