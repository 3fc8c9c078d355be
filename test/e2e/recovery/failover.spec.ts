import { EtpClient } from '../../../src/index.js';
import { compileEntry, startInstance, type Instance } from '../../support/instances.js';
import { RawClient } from '../../support/raw-client.js';
import { RedisServer } from '../../support/redis-server.js';
import { TcpBalancer } from '../../support/tcp-balancer.js';

const FIXTURE = 'test/e2e/recovery/fixture/recovery-instance.ts';
const CLIENTS = 200;
const TICKS = 150;
const SETUP_TIMEOUT = 60_000;

/** A client of the application and what it got: each tick's number, and each connect's verdict. */
interface Watcher {
  readonly client: EtpClient;
  readonly ticks: number[];
  readonly verdicts: boolean[];
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('recovery across a killed instance, through a balancer', () => {
  let redis: RedisServer | undefined;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let balancer: TcpBalancer | undefined;
  let driver: RawClient | undefined;
  const watchers: Watcher[] = [];

  beforeAll(async () => {
    let entry: string;
    [redis, entry] = await Promise.all([
      RedisServer.start(),
      compileEntry(FIXTURE, 'recovery-failover'),
    ]);
    const env = { REDIS_URL: redis.url, PREFIX: 'failover' };
    [a, b] = await Promise.all([startInstance(entry, 'a', env), startInstance(entry, 'b', env)]);
    balancer = await TcpBalancer.start(a.port);
  }, SETUP_TIMEOUT);

  afterAll(async () => {
    await Promise.all(watchers.splice(0).map((one) => one.client.close()));
    await driver?.close();
    await balancer?.close();
    await Promise.all([a, b].map((instance) => instance?.stop()));
    await redis?.stop();
  });

  it('gives every client every tick exactly once, in order, recovered, on the other instance', async () => {
    for (let i = 0; i < CLIENTS; i++) {
      const client = new EtpClient({
        url: `ws://127.0.0.1:${balancer!.port}/ws`,
        reconnect: { initialDelay: 50, maxDelay: 300 },
      });
      const watcher: Watcher = { client, ticks: [], verdicts: [] };
      client.on('tick', (n: number) => void watcher.ticks.push(n));
      client.onConnect(({ recovered }) => void watcher.verdicts.push(recovered));
      watchers.push(watcher);
    }
    await Promise.all(watchers.map((one) => one.client.connect()));
    await until(
      () => watchers.every((one) => one.verdicts.length === 1),
      10_000,
      () => 'first connects',
    );
    expect(watchers.every((one) => one.verdicts[0] === false)).toBe(true);

    // B streams; A's clients get the first ticks live, then A dies in the middle of the stream.
    driver = await RawClient.connect(`ws://127.0.0.1:${b!.port}/ws`);
    const streamed = driver.next('__ack_stream||1||', 30_000);
    driver.send(`stream||1||${JSON.stringify({ from: 1, count: TICKS, every: 10 })}`);
    await until(
      () => watchers.every((one) => one.ticks.length >= 20),
      10_000,
      () => 'the first ticks',
    );
    balancer!.retarget(b!.port);
    a!.child.kill('SIGKILL');
    await streamed;

    await until(
      () => watchers.every((one) => one.ticks.length >= TICKS),
      20_000,
      () =>
        `every tick: ${watchers.filter((one) => one.ticks.length < TICKS).length} clients short`,
    );
    const expected = Array.from({ length: TICKS }, (_, i) => i + 1);
    for (const watcher of watchers) {
      expect(watcher.ticks).toEqual(expected);
      expect(watcher.verdicts).toEqual([false, true]);
    }
  }, 60_000);
});
