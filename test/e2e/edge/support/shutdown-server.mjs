// A busy gateway server in a process of its own, run from the built package. It shuts down on
// SIGTERM (Nest's shutdown hooks) or when a client sends `shutdown` (app.close()). The
// environment's SHUTDOWN_CLOSE_CODE, if any, becomes the gateway's `shutdownCloseCode`.
import 'reflect-metadata';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpAdapter, EtpModule } from '../../../../dist/index.js';

let app;

class BusyGateway {
  work(body) {
    return body;
  }

  shutdown() {
    setTimeout(() => void app.close().then(() => process.exit(0)), 0);
  }
}

const method = (name) => Object.getOwnPropertyDescriptor(BusyGateway.prototype, name);
for (const name of ['work', 'shutdown']) {
  SubscribeMessage(name)(BusyGateway.prototype, name, method(name));
}
MessageBody()(BusyGateway.prototype, 'work', 0);
const closeCode = process.env.SHUTDOWN_CLOSE_CODE;
WebSocketGateway({
  path: '/ws',
  ...(closeCode === undefined ? {} : { shutdownCloseCode: Number(closeCode) }),
})(BusyGateway);

class BusyModule {}
Module({ imports: [EtpModule.forRoot()], providers: [BusyGateway] })(BusyModule);

app = await NestFactory.create(BusyModule, { logger: ['error'] });
app.useWebSocketAdapter(new EtpAdapter(app));
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
