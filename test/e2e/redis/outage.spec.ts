import type { Instance } from '../../support/instances.js';
import { RedisServer } from '../../support/redis-server.js';
import {
  call,
  compileInstanceApp,
  connect,
  startInstances,
  until,
  type Member,
} from './cluster.js';

const SETUP_TIMEOUT = 60_000;
const BROADCASTS = 4_000;

interface Stats {
  instances: number;
  lost: number;
}

const stats = (member: Member) => call<Stats>(member.client, 'stats');

/** Lines of the log about lost broadcasts: one per loss before, a handful now. */
function lossLines(instance: Instance): number {
  return instance
    .output()
    .split('\n')
    .filter((line) =>
      /did not reach the other instances|broadcasts lost|Missed \d+ broadcast/.test(line),
    ).length;
}

describe('EtpRedisBroker through a Redis outage during a stream of broadcasts', () => {
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;
  const members: Member[] = [];

  beforeAll(async () => {
    let entry: string;
    [redis, entry] = await Promise.all([RedisServer.start(), compileInstanceApp('redis-outage')]);
    [a, b] = await startInstances(entry, ['a', 'b'], redis.url, 'outage');
  }, SETUP_TIMEOUT);

  afterAll(async () => {
    await Promise.all(members.splice(0).map((one) => one.client.close()));
    await Promise.all([a, b].map((instance) => instance?.stop()));
    await redis?.stop();
  });

  it('counts every broadcast that did not arrive, in a few log lines', async () => {
    const a1 = await connect(a);
    const b1 = await connect(b, ['feed']);
    members.push(a1, b1);
    await until(async () => (await stats(a1)).instances === 2 && (await stats(b1)).instances === 2);

    // Longer than a request's usual wait: its answer is awaited directly.
    const streamed = a1.client.next((frame) => frame.startsWith('__ack_stream||999999||'), 30_000);
    const body = { to: ['feed'], event: 'tick', count: BROADCASTS };
    a1.client.send(`stream||999999||${JSON.stringify(body)}`);
    await until(
      () => b1.client.received.filter((frame) => frame.startsWith('tick||')).length > 500,
    );
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.start();
    expect(await streamed).toBe(`__ack_stream||999999||${BROADCASTS}`);

    // Once a broadcast crosses again, any gap before it has been seen.
    let marks = 0;
    await until(async () => {
      marks++;
      await call(a1.client, 'emit', { to: ['feed'], event: 'mark' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      return b1.client.received.some((frame) => frame.startsWith('mark||'));
    }, 20_000);
    const arrived = b1.client.received.filter((frame) => frame.startsWith('tick||')).length;
    const marksArrived = b1.client.received.filter((frame) => frame.startsWith('mark||')).length;
    const missing = BROADCASTS - arrived + (marks - marksArrived);
    expect(missing).toBeGreaterThan(100); // the outage did cost broadcasts

    // A counts those it could not hand to Redis; B those it missed of the ones A handed over.
    const [byA, byB] = [(await stats(a1)).lost, (await stats(b1)).lost];
    const lost = byA + byB;
    expect(lost).toBe(missing);
    expect(lossLines(a) + lossLines(b)).toBeLessThanOrEqual(12);
    process.stdout.write(
      `outage: ${missing} of ${BROADCASTS + marks} broadcasts lost, ${lost} counted ` +
        `(${byA} by the sender, ${byB} by the receiver), ` +
        `${lossLines(a) + lossLines(b)} log lines\n`,
    );
  }, 60_000);
});
