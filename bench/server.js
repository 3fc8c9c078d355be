// One benchmark server in its own process: `node bench/server.js <kind> <scenario>`.
//   kind:     bare | plain | floor | ws | io | etp (floor: room scenario only, see floor-server.js)
//   scenario: echo (answers `echo`) | room (every connection joins one room; `shout` broadcasts)
// The Nest servers run the same gateway class under each adapter; the package is imported from
// its build (`nestjs-etp` resolves to dist/), as an application would.
// The parent talks to it over IPC: `memory`, `cpu`, `members` and `exit`.
/* global Buffer, performance, process, setImmediate */
import 'reflect-metadata';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { startFloor } from './floor-server.js';
import { HOST, ROOM, tell } from './shared.js';

const [kind, scenario] = process.argv.slice(2);
/** How long each broadcast's send loop held the server, in ms: the server's share of a round. */
const sendLoops = [];
function timed(send) {
  const startedAt = performance.now();
  send();
  sendLoops.push(performance.now() - startedAt);
}

const decorate = (decorators, target, key, descriptor) =>
  Reflect.decorate(decorators, target, key, descriptor);

/** The Nest application for `ws`, `io` and `etp`; returns what the IPC handlers need. */
async function startNest() {
  const { Module, Inject } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const {
    WebSocketGateway,
    WebSocketServer: Server,
    SubscribeMessage,
    MessageBody,
  } = await import('@nestjs/websockets');
  const etp = kind === 'etp' ? await import('nestjs-etp') : undefined;

  class EchoGateway {
    echo(body) {
      return body;
    }
  }
  const echo = Object.getOwnPropertyDescriptor(EchoGateway.prototype, 'echo');
  decorate([SubscribeMessage('echo')], EchoGateway.prototype, 'echo', echo);
  MessageBody()(EchoGateway.prototype, 'echo', 0);
  decorate([WebSocketGateway()], EchoGateway);

  /** Every connection joins ROOM; `shout` sends its body to the whole room. */
  class RoomGateway {
    constructor(rooms) {
      this.rooms = rooms;
    }
    handleConnection(socket) {
      if (this.rooms !== undefined) this.rooms.join(socket, ROOM);
      else socket.join(ROOM);
    }
    shout(body) {
      if (this.rooms !== undefined) timed(() => this.rooms.to(ROOM).emit('tick', body));
      else timed(() => this.server.to(ROOM).emit('tick', body));
    }
    members() {
      if (this.rooms !== undefined) return this.rooms.size(ROOM);
      return this.server.of('/').adapter.rooms.get(ROOM)?.size ?? 0;
    }
  }
  const shout = Object.getOwnPropertyDescriptor(RoomGateway.prototype, 'shout');
  decorate([SubscribeMessage('shout')], RoomGateway.prototype, 'shout', shout);
  MessageBody()(RoomGateway.prototype, 'shout', 0);
  Server()(RoomGateway.prototype, 'server');
  if (etp !== undefined) Inject(etp.EtpRoomsService)(RoomGateway, undefined, 0);
  decorate([WebSocketGateway()], RoomGateway);

  const gateway = scenario === 'room' ? RoomGateway : EchoGateway;
  class BenchModule {}
  decorate(
    [Module({ imports: etp !== undefined ? [etp.EtpModule.forRoot()] : [], providers: [gateway] })],
    BenchModule,
  );

  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  if (kind === 'etp') {
    app.useWebSocketAdapter(new etp.EtpAdapter(app));
  } else if (kind === 'ws') {
    const { WsAdapter } = await import('@nestjs/platform-ws');
    app.useWebSocketAdapter(new WsAdapter(app));
  } else {
    const { IoAdapter } = await import('@nestjs/platform-socket.io');
    app.useWebSocketAdapter(new IoAdapter(app));
  }
  await app.listen(0, HOST);
  const port = app.getHttpServer().address().port;
  const instance = scenario === 'room' ? app.get(RoomGateway) : undefined;
  return { port, members: () => instance?.members() ?? 0 };
}

/**
 * The ceiling: a bare `ws` server that reads and writes ETP frames by hand, with no framework,
 * no payload decoding and no checks beyond what answering needs. It uses the two write-side
 * techniques any careful server would: the answers of one event-loop turn leave a connection in
 * one system call (its TCP stream is corked until the check phase), and a broadcast is framed
 * once as a whole WebSocket message written to each stream as it is.
 */
async function startBare() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const room = new Set();
  const uncork = (stream) => {
    stream.corkedForTurn = false;
    stream.uncork();
  };
  wss.on('connection', (ws, request) => {
    const stream = request.socket;
    if (scenario === 'room') {
      room.add(stream);
      ws.once('close', () => room.delete(stream));
    }
    ws.on('message', (bytes) =>
      answerByHand(bytes, {
        echo: (id, data) => {
          if (!stream.corkedForTurn) {
            stream.corkedForTurn = true;
            stream.cork();
            setImmediate(uncork, stream);
          }
          ws.send(`__ack_echo||${id}||${data}`);
        },
        shout: (data) =>
          timed(() => {
            const message = webSocketMessage(Buffer.from(`tick||0||${data}`));
            for (const member of room) member.write(message);
          }),
      }),
    );
  });
  await new Promise((resolve) => http.listen(0, HOST, resolve));
  return { port: http.address().port, members: () => room.size };
}

/**
 * The bare `ws` server as most code writes it: the same hand-written frames as the ceiling, but
 * every answer and every broadcast member goes through `ws.send` on its own.
 */
async function startPlain() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const room = new Set();
  wss.on('connection', (ws) => {
    if (scenario === 'room') {
      room.add(ws);
      ws.once('close', () => room.delete(ws));
    }
    ws.on('message', (bytes) =>
      answerByHand(bytes, {
        echo: (id, data) => ws.send(`__ack_echo||${id}||${data}`),
        shout: (data) =>
          timed(() => {
            const frame = `tick||0||${data}`;
            for (const member of room) member.send(frame);
          }),
      }),
    );
  });
  await new Promise((resolve) => http.listen(0, HOST, resolve));
  return { port: http.address().port, members: () => room.size };
}

/** Reads `<event>||<id>||<data>` by hand, as the bare servers do, and calls the event's answer. */
function answerByHand(bytes, answers) {
  const text = bytes.toString();
  const eventEnd = text.indexOf('||');
  if (eventEnd === -1) return;
  const idEnd = text.indexOf('||', eventEnd + 2);
  const event = text.slice(0, eventEnd);
  const id = Number(text.slice(eventEnd + 2, idEnd === -1 ? text.length : idEnd));
  const data = idEnd === -1 ? '' : text.slice(idEnd + 2);
  if (event === 'echo') answers.echo?.(id, data);
  else if (event === 'shout') answers.shout(data);
}

/** A final, unmasked text frame: what a server writes for one message. */
function webSocketMessage(payload) {
  const head = payload.length < 126 ? 2 : 4;
  const message = Buffer.allocUnsafe(head + payload.length);
  message[0] = 0x81;
  if (head === 2) message[1] = payload.length;
  else {
    message[1] = 126;
    message.writeUInt16BE(payload.length, 2);
  }
  payload.copy(message, head);
  return message;
}

function memory() {
  // Two collections: the first may leave weak/finalized garbage for the second.
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers, gc: typeof globalThis.gc === 'function' };
}

/** The floor: each `shout` makes it write the one `tick` frame to every connection. */
async function startFloorServer() {
  const floor = await startFloor({
    onText: (text) =>
      answerByHand(Buffer.from(text), {
        shout: (data) => sendLoops.push(floor.broadcast(`tick||0||${data}`)),
      }),
  });
  return floor;
}

const starters = { bare: startBare, plain: startPlain, floor: startFloorServer };
const started = await (starters[kind] ?? startNest)();
process.on('message', (message) => {
  switch (message.cmd) {
    case 'memory':
      tell({ type: 'memory', ...memory() });
      break;
    case 'cpu':
      tell({ type: 'cpu', ...process.cpuUsage(), at: performance.now() });
      break;
    case 'sendLoops':
      tell({ type: 'sendLoops', times: sendLoops });
      break;
    case 'members':
      tell({ type: 'members', count: started.members() });
      break;
    case 'exit':
      // A clean exit, so that --cpu-prof writes its profile.
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
tell({ type: 'listening', port: started.port, pid: process.pid });
