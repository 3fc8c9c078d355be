import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { EtpClient } from '../../../src/index.js';
import { decodeRecoveryState } from '../../../src/protocol/recovery.js';
import { closeAfterTest } from '../../support/cleanup.js';
import { eventually, RawServer } from '../../support/raw-server.js';

Logger.overrideLogger(false);

const ID = '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f';
const hello = (recovered: boolean) => `__etp_hello||0||{"recovered":${recovered},"id":"${ID}"}`;
const kept = (offset: number, text: string) =>
  `__etp_b||0||["chat","e1",${offset}]\nsaid||0||${text}`;

/**
 * The client against a bare `ws` server written by hand: a server that speaks the extension
 * exactly as the contract says, or one that does not speak it at all (the Go reference).
 */
describe('the client side of recovery, against servers written by hand', () => {
  let server: RawServer;
  /** What the client did, in order: `connect <recovered>` and `said <text>`. */
  let events: string[];

  async function client(options: { recovery?: boolean; connectTimeout?: number } = {}) {
    server = closeAfterTest(await RawServer.start());
    events = [];
    const made = new EtpClient({
      url: server.url,
      reconnect: { initialDelay: 10, maxDelay: 50 },
      ...options,
    });
    closeAfterTest(made);
    made.on('said', (text: string) => void events.push(`said ${text}`));
    made.onConnect(({ recovered }) => void events.push(`connect ${recovered}`));
    await made.connect();
    return made;
  }

  /** The handshake parameter of the `index`-th connection. */
  const parameter = (index: number): string | null =>
    new URL(server.requests[index].url!, 'ws://x').searchParams.get('__etp_recovery');

  /** The first connection, which learned a position in `chat` and dropped. */
  async function dropped(first: WebSocket, position = '["chat","e1",2]'): Promise<WebSocket> {
    first.send(`__etp_pos||0||${position}`);
    first.send('said||0||marker');
    await eventually(() => events.includes('said marker'));
    first.terminate();
    return server.connection();
  }

  it('drops the kept broadcasts it has, within a connection and across a reconnect', async () => {
    await client();
    const first = await server.connection();
    first.send(hello(false));
    first.send('__etp_pos||0||["chat","e1",0]');
    for (const frame of [kept(1, 'one'), kept(1, 'one again'), kept(2, 'two')]) first.send(frame);
    await eventually(() => events.includes('said two'));
    first.terminate();
    const second = await server.connection();
    expect(decodeRecoveryState(parameter(1)!)).toEqual({ id: ID, positions: [['chat', 'e1', 2]] });
    // A server replaying from further back than it should: what the client has is dropped.
    second.send(hello(true));
    for (const frame of [kept(1, 'one'), kept(2, 'two'), kept(3, 'three')]) second.send(frame);
    // Another epoch: the room's history started over, its offsets are new.
    second.send('__etp_b||0||["chat","e2",1]\nsaid||0||new epoch');
    await eventually(() => events.includes('said new epoch'));
    expect(events).toEqual([
      'connect false',
      'said one',
      'said two',
      'connect true',
      'said three',
      'said new epoch',
    ]);
  });

  it('a server that sends no hello: recovered false at its first frame, which is then handled', async () => {
    await client();
    expect(parameter(0)).toBe('1');
    const second = await dropped(await server.connection());
    expect(decodeRecoveryState(parameter(1)!)?.positions).toEqual([['chat', 'e1', 2]]);
    second.send('said||0||first');
    await eventually(() => events.includes('said first'));
    expect(events).toEqual(['connect false', 'said marker', 'connect false', 'said first']);
  });

  it('a server that sends nothing: recovered false after connectTimeout', async () => {
    const made = await client({ connectTimeout: 300 });
    const second = await dropped(await server.connection());
    await eventually(() => events.length === 3, 5_000);
    expect(events).toEqual(['connect false', 'said marker', 'connect false']);
    expect(made.recovered).toBe(false);
    second.send('said||0||later');
    await eventually(() => events.includes('said later'));
  });

  it('with recovery: false, no parameter, and extension frames go to the handlers as today', async () => {
    const made = await client({ recovery: false });
    const unknown: string[] = [];
    made.onUnknownEvent((_data, event) => void unknown.push(event));
    const ws = await server.connection();
    expect(server.requests[0].url).toBe('/ws');
    ws.send(hello(false));
    ws.send(kept(1, 'wrapped'));
    ws.send('said||0||plain');
    await eventually(() => events.includes('said plain'));
    expect(unknown).toEqual(['__etp_hello', '__etp_b']);
    expect(events).toEqual(['connect false', 'said plain']);
  });

  it('ignores unknown extension frames', async () => {
    const made = await client();
    const unknown: string[] = [];
    made.onUnknownEvent((_data, event) => void unknown.push(event));
    const ws = await server.connection();
    ws.send('__etp_future||0||{"x":1}');
    ws.send('said||0||after');
    await eventually(() => events.includes('said after'));
    expect(unknown).toEqual([]);
  });
});
