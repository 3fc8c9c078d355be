// One instance of a two-instance app sharing its rooms through Redis, in its own process:
// `node bench/cluster-server.js <kind> <redis url>`.
//   io   Nest's IoAdapter with @socket.io/redis-adapter (on ioredis), as Nest's docs set it up
//   etp  EtpAdapter with `EtpModule.forRoot({ broker: new EtpRedisBroker({ url }) })`
//   etp-signed  the same with `signingKey`: every message between instances carries an HMAC
// Every connection joins one room. The runner asks one instance over IPC to broadcast to that
// room; the members connected to the other instance get it through Redis.
// IPC: `members` (connections in the room here), `cpu`, `broadcast` (with `round`) and `exit`.
/* global performance, process, setTimeout */
import 'reflect-metadata';
import { Module, Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ROOM, roundPayload, tell } from './shared.js';

const [kind, redisUrl] = process.argv.slice(2);

const decorate = (decorators, target, key, descriptor) =>
  Reflect.decorate(decorators, target, key, descriptor);

/** What each kind brings: the module's imports, how to join and broadcast, the ws adapter. */
async function setUp() {
  if (kind === 'etp' || kind === 'etp-signed') {
    const etp = await import('nestjs-etp');
    const { EtpRedisBroker } = await import('nestjs-etp/redis');
    const signingKey = kind === 'etp-signed' ? 'a key of 32 bytes, for the bench.' : undefined;
    const broker = new EtpRedisBroker({ url: redisUrl, signingKey });
    return {
      imports: [etp.EtpModule.forRoot({ broker })],
      inject: (Gateway) => Inject(etp.EtpRoomsService)(Gateway, undefined, 0),
      join: (gateway, socket) => gateway.rooms.join(socket, ROOM),
      broadcast: (gateway, data) => gateway.rooms.to(ROOM).emit('tick', data),
      adapter: (app) => new etp.EtpAdapter(app),
      close: async () => {},
    };
  }
  const { IoAdapter } = await import('@nestjs/platform-socket.io');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const { Redis } = await import('ioredis');
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const redisAdapter = createAdapter(pub, sub);
  class RedisIoAdapter extends IoAdapter {
    createIOServer(port, options) {
      return super.createIOServer(port, options).adapter(redisAdapter);
    }
  }
  return {
    imports: [],
    inject: () => {},
    join: (_gateway, socket) => socket.join(ROOM),
    broadcast: (gateway, data) => gateway.server.to(ROOM).emit('tick', data),
    adapter: (app) => new RedisIoAdapter(app),
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

const setup = await setUp();

/** Every connection joins ROOM; counts its members here, once the join has completed. */
class RoomGateway {
  // A default keeps the parameter out of `length`, so that Nest injects nothing for socket.io.
  constructor(rooms = undefined) {
    this.rooms = rooms;
    this.members = 0;
  }
  async handleConnection(socket) {
    await setup.join(this, socket);
    this.members++;
  }
  handleDisconnect() {
    this.members--;
  }
}
WebSocketServer()(RoomGateway.prototype, 'server');
setup.inject(RoomGateway);
decorate([WebSocketGateway()], RoomGateway);

class ClusterModule {}
decorate([Module({ imports: setup.imports, providers: [RoomGateway] })], ClusterModule);

const app = await NestFactory.create(ClusterModule, { logger: ['error', 'warn'] });
app.useWebSocketAdapter(setup.adapter(app));
await app.listen(0, '127.0.0.1');
const gateway = app.get(RoomGateway);

/**
 * Broadcasts the payload of `round`. Answers with how long the call held this process (its send
 * loop to the members here, plus handing the message to Redis) and, when it returns a promise,
 * after that promise has settled.
 */
async function broadcast(round) {
  const startedAt = performance.now();
  try {
    const result = setup.broadcast(gateway, roundPayload(round));
    const sendLoop = performance.now() - startedAt;
    if (typeof result?.then === 'function') await result;
    tell({ type: 'broadcast', sendLoop });
  } catch (error) {
    tell({ type: 'broadcast', failure: `the broadcast failed: ${error?.stack ?? error}` });
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
    case 'broadcast':
      await broadcast(message.round);
      break;
    case 'exit':
      // Closing the app lets the broker close its Redis connections and leave the cluster.
      await Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 3_000))]);
      await setup.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
tell({ type: 'listening', port: app.getHttpServer().address().port, pid: process.pid });
