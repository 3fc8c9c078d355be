// A gateway server in a process of its own, run from the built package, started with
// --expose-gc so that it can report the memory it still holds after a garbage collection.
import 'reflect-metadata';
import process from 'node:process';
import { Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  ConnectedSocket,
} from '@nestjs/websockets';
import { EtpAdapter, EtpModule, EtpRoomsService } from '../../../../dist/index.js';

const MIB = 1024 * 1024;
const ANSWER = 'a'.repeat(MIB);

class FloodGateway {
  /** The connections closed as slow consumers, as handleDisconnect is told. */
  slowConsumers = 0;

  constructor(rooms) {
    this.rooms = rooms;
  }

  handleDisconnect(_socket, reason) {
    if (reason === 'slow consumer') this.slowConsumers++;
  }

  join(socket) {
    this.rooms.join(socket, 'stalled');
    return 'ok';
  }

  /** Broadcasts `mib` messages of 1 MiB to the room, one after the other. */
  flood(mib) {
    const chunk = 'x'.repeat(MIB);
    for (let i = 0; i < mib; i++) this.rooms.to('stalled').emit('news', chunk);
    return mib;
  }

  big() {
    return ANSWER;
  }

  /** Bytes held (JS heap and buffers) after a full collection, and the slow consumers closed. */
  memory() {
    globalThis.gc();
    const { heapUsed, external } = process.memoryUsage();
    return { held: heapUsed + external, slowConsumers: this.slowConsumers };
  }
}

const method = (name) => Object.getOwnPropertyDescriptor(FloodGateway.prototype, name);
for (const name of ['join', 'flood', 'big', 'memory']) {
  SubscribeMessage(name)(FloodGateway.prototype, name, method(name));
}
ConnectedSocket()(FloodGateway.prototype, 'join', 0);
MessageBody()(FloodGateway.prototype, 'flood', 0);
Inject(EtpRoomsService)(FloodGateway, undefined, 0);
WebSocketGateway({ path: '/ws', heartbeat: false })(FloodGateway);

class FloodModule {}
Module({ imports: [EtpModule.forRoot()], providers: [FloodGateway] })(FloodModule);

const app = await NestFactory.create(FloodModule, { logger: ['error'] });
app.useWebSocketAdapter(new EtpAdapter(app));
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
