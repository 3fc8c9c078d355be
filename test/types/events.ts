// Compiled by `tsc -p test/types` (part of `npm run typecheck`), never run: every
// `@ts-expect-error` line must fail to compile, every other line must compile.
import { EtpClient, EtpRoomsService, EtpServer, EtpSocket } from '../../src/index.js';
import { EtpBrowserClient } from '../../src/browser.js';

interface Msg {
  from: string;
  text: string;
}

/** Handled by the server. */
interface ServerEvents {
  say: (text: string) => { id: number };
  history: (limit?: number) => Msg[];
  leave: () => void;
  rename: (name: string) => Promise<boolean>;
}

/** Handled by the client. */
interface ClientEvents {
  message: (msg: Msg) => void;
  confirm: (question: string) => boolean;
}

declare const client: EtpClient<ServerEvents, ClientEvents>;
declare const browser: EtpBrowserClient<ServerEvents, ClientEvents>;
declare const socket: EtpSocket<ClientEvents>;
declare const server: EtpServer<ClientEvents>;
declare const rooms: EtpRoomsService<ClientEvents>;

function exact<T>(value: T): T {
  return value;
}

export async function typedClient(): Promise<void> {
  await client.emit('say', 'hello');
  await client.emit('history');
  await client.emit('history', 10);
  await client.emit('leave');
  // @ts-expect-error unknown event name
  await client.emit('shout', 'hello');
  // @ts-expect-error wrong payload type
  await client.emit('say', 42);
  // @ts-expect-error payload missing
  await client.emit('say');
  // @ts-expect-error an event without payload takes none
  await client.emit('leave', 'now');

  const ack: { id: number } = await client.emitWithAck('say', 'hello');
  const limited: Msg[] = await client.emitWithAck('history', 5, { timeout: 1000 });
  const none: void = await client.emitWithAck('leave', undefined, { timeout: 1000 });
  const renamed: boolean = await client.emitWithAck('rename', 'ann');
  exact<[{ id: number }, Msg[], void, boolean]>([ack, limited, none, renamed]);
  // @ts-expect-error wrong answer type
  const wrong: string = await client.emitWithAck('say', 'hello');
  // @ts-expect-error unknown event name
  await client.emitWithAck('shout', 'hello');
  // @ts-expect-error wrong payload type
  await client.emitWithAck('rename', 1);
  // @ts-expect-error the untyped `emitWithAck<T>()` form is gone once the map is typed
  await client.emitWithAck<string>('say', 'hello');
  void wrong;

  client.on('message', (msg) => exact<string>(msg.text));
  client.on('confirm', (question) => question.endsWith('?'));
  client.on('confirm', async () => true);
  client.off('message');
  // @ts-expect-error unknown event name
  client.on('shout', () => undefined);
  // @ts-expect-error wrong payload type in the handler
  client.on('message', (msg: string) => msg);
  // @ts-expect-error the handler answers with the wrong ack type
  client.on('confirm', () => 'yes');
  // @ts-expect-error the handler answers with the wrong ack type, asynchronously
  client.on('confirm', async () => 1);
  // @ts-expect-error the client does not handle the server's events
  client.on('say', () => ({ id: 1 }));
  // @ts-expect-error unknown event name
  client.off('shout');
}

export async function typedBrowserClient(): Promise<void> {
  await browser.emit('say', 'hi');
  const ack: { id: number } = await browser.emitWithAck('say', 'hi');
  browser.on('message', (msg) => exact<Msg>(msg));
  void ack;
  // @ts-expect-error wrong payload type
  await browser.emit('say', { text: 'hi' });
  // @ts-expect-error wrong answer type
  const wrong: number = await browser.emitWithAck('say', 'hi');
  // @ts-expect-error the handler answers with the wrong ack type
  browser.on('confirm', () => 0);
  void wrong;
}

export async function typedServerSide(): Promise<void> {
  const sent: boolean = socket.emit('message', { from: 'bot', text: 'hi' });
  const yes: boolean = await socket.emitWithAck('confirm', 'sure?', { timeout: 500 });
  const reached: number = server.emit('message', { from: 'bot', text: 'hi' });
  const inRoom: number = rooms.to('lobby').except(socket).emit('message', { from: 'a', text: 'b' });
  const everywhere: number = rooms.emit('message', { from: 'a', text: 'b' });
  const except: number = rooms.except('lobby').to('hall').emit('message', { from: 'a', text: 'b' });
  void [sent, yes, reached, inRoom, everywhere, except];

  // @ts-expect-error unknown event name
  socket.emit('mesage', { from: 'bot', text: 'hi' });
  // @ts-expect-error wrong payload type
  socket.emit('message', 'hi');
  // @ts-expect-error wrong answer type
  const no: string = await socket.emitWithAck('confirm', 'sure?');
  // @ts-expect-error wrong payload type
  await socket.emitWithAck('confirm', true);
  // @ts-expect-error wrong payload type
  server.emit('message', { from: 'bot' });
  // @ts-expect-error unknown event name
  rooms.to('lobby').emit('say', 'hi');
  // @ts-expect-error wrong payload type
  rooms.except('lobby').emit('message', 1);
  // @ts-expect-error wrong payload type
  rooms.emit('message', null);
  void no;

  const votes: boolean[] = await rooms.to('lobby').timeout(1_000).emitWithAck('confirm', 'sure?');
  // @ts-expect-error wrong answer type
  const texts: string[] = await rooms.to('lobby').emitWithAck('confirm', 'sure?');
  // @ts-expect-error unknown event name
  await rooms.all().emitWithAck('say', 'hi');
  // @ts-expect-error wrong payload type
  await rooms.to('lobby').emitWithAck('confirm', 1);
  void [votes, texts];
}
