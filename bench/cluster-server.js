// One instance of a two-instance app sharing its rooms through Redis, in its own process:
// `node bench/cluster-server.js <kind> <redis url>`.
//   io   Nest's IoAdapter with @socket.io/redis-adapter (on ioredis), as Nest's docs set it up
//   etp  EtpAdapter with `EtpModule.forRoot({ broker: new EtpRedisBroker({ url }) })`
//   etp-signed  the same with `signingKey`: every message between instances carries an HMAC
//   etp-sharded  the same with `sharded: true` (SPUBLISH / SSUBSCRIBE), when the broker has it
//   io-sharded  IoAdapter with `createShardedAdapter` (`subscriptionMode: 'dynamic'`)
// Every connection joins one room: the `room` of its URL's query when it has one (the scaling
// run), ROOM otherwise. The runner asks one instance over IPC to broadcast; the members connected
// to the other instances get it through Redis.
// IPC: `members` (connections in a room here), `cpu`, `broadcast` (with `round`: to ROOM),
// `emit` (with `broadcasts`, [room, seq] pairs: each to its room) and `exit`.
/* global URL, performance, process, setTimeout */
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
  if (kind.startsWith('etp')) {
    const etp = await import('nestjs-etp');
    const { EtpRedisBroker } = await import('nestjs-etp/redis');
    const signingKey = kind === 'etp-signed' ? 'a key of 32 bytes, for the bench.' : undefined;
    const sharded = kind === 'etp-sharded' ? true : undefined;
    const broker = new EtpRedisBroker({ url: redisUrl, signingKey, sharded });
    return {
      imports: [etp.EtpModule.forRoot({ broker })],
      inject: (Gateway) => Inject(etp.EtpRoomsService)(Gateway, undefined, 0),
      join: (gateway, socket, request) => gateway.rooms.join(socket, roomOf(request.url)),
      broadcast: (gateway, data, room = ROOM) => gateway.rooms.to(room).emit('tick', data),
      adapter: (app) => new etp.EtpAdapter(app),
      close: async () => {},
    };
  }
  const { IoAdapter } = await import('@nestjs/platform-socket.io');
  const { createAdapter, createShardedAdapter } = await import('@socket.io/redis-adapter');
  const { Redis } = await import('ioredis');
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const redisAdapter =
    kind === 'io-sharded'
      ? createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' })
      : createAdapter(pub, sub);
  class RedisIoAdapter extends IoAdapter {
    createIOServer(port, options) {
      return super.createIOServer(port, options).adapter(redisAdapter);
    }
  }
  return {
    imports: [],
    inject: () => {},
    join: (_gateway, socket) => socket.join(roomOf(socket.request.url)),
    broadcast: (gateway, data, room = ROOM) => gateway.server.to(room).emit('tick', data),
    adapter: (app) => new RedisIoAdapter(app),
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** The room a connection joins: its URL's `room` query parameter, or ROOM. */
function roomOf(url = '/') {
  return new URL(url, 'http://localhost').searchParams.get('room') ?? ROOM;
}

const setup = await setUp();

/** Every connection joins ROOM; counts its members here, once the join has completed. */
class RoomGateway {
  // A default keeps the parameter out of `length`, so that Nest injects nothing for socket.io.
  constructor(rooms = undefined) {
    this.rooms = rooms;
    this.members = 0;
  }
  async handleConnection(socket, request) {
    await setup.join(this, socket, request);
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

/** Emits each of `broadcasts` ([room, seq]) to its room; answers once every one has settled. */
async function emit(broadcasts) {
  try {
    const pending = broadcasts.map(([room, seq]) =>
      setup.broadcast(gateway, { ...roundPayload(seq), room }, room),
    );
    await Promise.all(pending);
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
    case 'broadcast':
      await broadcast(message.round);
      break;
    case 'emit':
      await emit(message.broadcasts);
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
