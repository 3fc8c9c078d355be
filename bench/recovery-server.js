// One instance of the recovery benchmark, in its own process:
// `node bench/recovery-server.js <kind> <redis url | ->`.
//   etp            EtpAdapter, the in-memory broker, recovery off
//   etp-kept       the same with `recovery`: each room broadcast kept in the process
//   etp-redis      EtpAdapter with EtpRedisBroker, recovery off
//   etp-redis-kept the same with `recovery`: each room broadcast kept in a Redis stream
//   io-streams     Nest's IoAdapter with @socket.io/redis-streams-adapter and socket.io's
//                  `connectionStateRecovery` (its own recovery, on its Redis stream)
// Every connection joins RECOVERY_ROOM in `handleConnection` (a socket.io connection that was
// recovered is in it already). IPC: `members`, `cpu`, `emit` (ticks `from` … `to`, to the room),
// `shutdown` (app.close(), then exit) and `exit`.
/* global performance, process, setImmediate, setTimeout */
import 'reflect-metadata';
import { Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { RECOVERY_ROOM, RECOVERY_WINDOW, tick, tell } from './shared.js';

const [kind, redisUrl] = process.argv.slice(2);
const recovery = { maxDisconnection: RECOVERY_WINDOW.ms, maxMessages: RECOVERY_WINDOW.messages };

const decorate = (decorators, target, key, descriptor) =>
  Reflect.decorate(decorators, target, key, descriptor);

async function setUp() {
  if (kind.startsWith('etp')) {
    const etp = await import('nestjs-etp');
    const kept = kind.endsWith('-kept');
    let broker;
    if (kind.startsWith('etp-redis')) {
      const { EtpRedisBroker } = await import('nestjs-etp/redis');
      broker = new EtpRedisBroker({ url: redisUrl });
    }
    return {
      imports: [etp.EtpModule.forRoot({ broker, ...(kept ? { recovery } : {}) })],
      inject: (Gateway) => Inject(etp.EtpRoomsService)(Gateway, undefined, 0),
      join: (gateway, socket) => gateway.rooms.join(socket, RECOVERY_ROOM),
      emit: (gateway, data) => gateway.rooms.to(RECOVERY_ROOM).emit('tick', data),
      adapter: (app) => new etp.EtpAdapter(app),
      path: '/ws',
      close: async () => {},
    };
  }
  const { IoAdapter } = await import('@nestjs/platform-socket.io');
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  class StreamsIoAdapter extends IoAdapter {
    createIOServer(port, options) {
      const server = super.createIOServer(port, {
        ...options,
        connectionStateRecovery: {
          maxDisconnectionDuration: RECOVERY_WINDOW.ms,
          skipMiddlewares: true,
        },
      });
      return server.adapter(createAdapter(client, { maxLen: 10_000 }));
    }
  }
  return {
    imports: [],
    inject: () => {},
    join: (_gateway, socket) => {
      if (!socket.recovered) socket.join(RECOVERY_ROOM);
    },
    emit: (gateway, data) => gateway.server.to(RECOVERY_ROOM).emit('tick', data),
    adapter: (app) => new StreamsIoAdapter(app),
    path: undefined,
    close: async () => client.disconnect(),
  };
}

const setup = await setUp();

class RecoveryGateway {
  // A default keeps the parameter out of `length`, so that Nest injects nothing for socket.io.
  constructor(rooms = undefined) {
    this.rooms = rooms;
    this.members = 0;
  }
  handleConnection(socket) {
    setup.join(this, socket);
    this.members++;
  }
  handleDisconnect() {
    this.members--;
  }
}
WebSocketServer()(RecoveryGateway.prototype, 'server');
setup.inject(RecoveryGateway);
decorate([WebSocketGateway(setup.path === undefined ? {} : { path: setup.path })], RecoveryGateway);

class RecoveryModule {}
decorate([Module({ imports: setup.imports, providers: [RecoveryGateway] })], RecoveryModule);

const app = await NestFactory.create(RecoveryModule, { logger: ['error'] });
app.useWebSocketAdapter(setup.adapter(app));
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
const gateway = app.get(RecoveryGateway);

/** Emits ticks `from` … `to`, `spacingMs` apart (0: `chunk` at a time, a macrotask between). */
async function emit({ from, to, spacingMs = 0, chunk = 50 }) {
  try {
    for (let seq = from; seq <= to; seq++) {
      const result = setup.emit(gateway, tick(seq));
      if (typeof result?.then === 'function') await result;
      if (spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, spacingMs));
      else if ((seq - from + 1) % chunk === 0)
        await new Promise((resolve) => setImmediate(resolve));
    }
    tell({ type: 'emit' });
  } catch (error) {
    tell({ type: 'emit', failure: `a broadcast failed: ${error?.stack ?? error}` });
  }
}

process.on('message', async (message) => {
  switch (message.cmd) {
    case 'members':
      tell({ type: 'members', count: gateway.members });
      break;
    case 'cpu':
      tell({ type: 'cpu', ...process.cpuUsage(), at: performance.now() });
      break;
    case 'emit':
      await emit(message);
      break;
    case 'shutdown':
    case 'exit':
      await app.close();
      await setup.close();
      tell({ type: message.cmd });
      process.exit(0);
  }
});
tell({ type: 'listening', port: app.getHttpServer().address().port });
