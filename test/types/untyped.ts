// Without event maps every name is a string and every payload and answer untyped, as always:
// these calls are the package's untyped API and must keep compiling unchanged.
import {
  EtpClient,
  EtpRoomsService,
  EtpServer,
  EtpSocket,
  type EtpEventHandler,
} from '../../src/index.js';
import { EtpBrowserClient } from '../../src/browser.js';

interface Msg {
  text: string;
}

declare const client: EtpClient;
declare const browser: EtpBrowserClient;
declare const socket: EtpSocket;
declare const server: EtpServer;
declare const rooms: EtpRoomsService;
declare const event: string;

export async function untyped(): Promise<void> {
  await client.emit(event);
  await client.emit('anything', { any: 'thing' });
  const answer: unknown = await client.emitWithAck('anything', 1);
  const typedAnswer: Msg = await client.emitWithAck<Msg>('anything', 1, { timeout: 10 });
  client.on('anything', (data) => data);
  client.on<Msg>('anything', (msg) => msg.text);
  client.on('anything', (msg: Msg, name: string) => `${name}${msg.text}`);
  client.on(event, async () => 1);
  client.off(event);
  const handler: EtpEventHandler = () => undefined;
  client.onUnknownEvent(handler);
  // @ts-expect-error an untyped payload is `unknown`, as ever, not `any`
  client.on('anything', (data) => data.text);
  const notAny = await client.emitWithAck('anything');
  // @ts-expect-error an untyped answer is `unknown`, as ever, not `any`
  void notAny.text;
  // @ts-expect-error emit takes one payload
  await client.emit('anything', 1, 2);

  await browser.emit('anything', 1);
  const browserAnswer: Msg = await browser.emitWithAck<Msg>('anything');
  browser.on<Msg>('anything', (msg) => msg.text);

  const sent: boolean = socket.emit(event, { any: 'thing' });
  const socketAnswer: Msg = await socket.emitWithAck<Msg>(event, 1, { timeout: 10 });
  const unknownAnswer: unknown = await socket.emitWithAck(event);
  const reached: number = server.emit(event, 1) + server.emit(event);
  const broadcast: number =
    rooms.to('a', 'b').except('c', socket).emit(event, 1) + rooms.except('c').emit(event);
  const all: number = rooms.emit(event);
  const votes: Msg[] = await rooms.to('a').timeout(10).emitWithAck<Msg>(event, 1);
  const anyVotes: unknown[] = await rooms.all().emitWithAck(event);
  void [answer, typedAnswer, notAny, browserAnswer, sent, socketAnswer, unknownAnswer];
  void [reached, broadcast, all, votes, anyVotes];
}
