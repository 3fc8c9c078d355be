import 'reflect-metadata';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpModule } from '../../../src/index.js';
import { eventually, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

const BUDGET = 1_000;
const FLOOD = 5_000;
/**
 * Frames of about 1 KiB: reading stops between two reads of the socket, and a read of at most
 * 64 KiB then holds some 60 of them, so how the kernel happens to cut the flood (which varies with
 * the machine's load) moves the counts below by little.
 */
const FRAME = `count||0||${JSON.stringify({ pad: 'x'.repeat(1_000) })}`;

let handled = 0;

@WebSocketGateway({ path: '/ws', maxEventsPerSecond: BUDGET })
class CountingGateway {
  @SubscribeMessage('count')
  count(): void {
    handled++;
  }

  @SubscribeMessage('who')
  who(): string {
    return 'me';
  }
}

@WebSocketGateway({ path: '/free', maxEventsPerSecond: 0 })
class UnlimitedGateway {
  @SubscribeMessage('count')
  count(): void {
    handled++;
  }
}

describe(`maxEventsPerSecond: ${BUDGET}, against a peer sending ${FLOOD} events at once`, () => {
  let started: TestApp | undefined;
  const clients: RawClient[] = [];

  beforeEach(async () => {
    handled = 0;
    started = await startApp([EtpModule.forRoot()], [CountingGateway, UnlimitedGateway]);
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await started?.app.close();
    started = undefined;
  });

  async function connect(path = '/ws'): Promise<RawClient> {
    const client = await RawClient.connect(wsUrl(started!.port, path));
    clients.push(client);
    return client;
  }

  function flood(client: RawClient): void {
    for (let i = 0; i < FLOOD; i++) client.send(FRAME);
  }

  it('handles every event, at the budget rate, and keeps the connection open', async () => {
    const flooder = await connect();
    flood(flooder);
    await eventually(() => handled > 0);
    // Half a second at 1,000/s: some 500 events, plus a burst and what one read brought in.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(handled).toBeLessThan(FLOOD * 0.8);
    await eventually(() => handled === FLOOD, 20_000);
    expect(flooder.ws.readyState).toBe(flooder.ws.OPEN);
    expect(await flooder.request('who||7', '__ack_who', 7)).toBe('__ack_who||7||me');
  }, 30_000);

  it('another peer is answered while the flooding one waits for its budget', async () => {
    const flooder = await connect();
    const other = await connect();
    flood(flooder);
    await eventually(() => handled > 0);
    expect(await other.request('who||1', '__ack_who', 1)).toBe('__ack_who||1||me');
    expect(handled).toBeLessThan(FLOOD);
    await eventually(() => handled === FLOOD, 20_000);
  }, 30_000);

  it('0 switches the limit off: the same flood is handled at once', async () => {
    const flooder = await connect('/free');
    flood(flooder);
    await eventually(() => handled === FLOOD, 10_000);
  }, 30_000);
});
