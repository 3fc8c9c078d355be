import { join } from 'node:path';
import {
  installedVersion,
  npmInstall,
  startNode,
  useConsumerFixture,
  writeFiles,
} from '../support/consumer-app.js';
import { RawClient, wsUrl } from '../support/raw-client.js';

const INSTALL_TIMEOUT = 240_000;

/**
 * A CommonJS Nest 11 app: no "type": "module", `require('nestjs-etp')` (an ES module, which Node
 * ≥ 20.19 can require). Plain JavaScript, with the decorators applied as TypeScript compiles them.
 */
const CJS_MAIN = `'use strict';
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} = require('@nestjs/websockets');
const { EtpAdapter, EtpModule, EtpRoomsService } = require('nestjs-etp');

class HelloGateway {
  constructor(rooms) {
    this.rooms = rooms;
  }
  handleConnection(socket) {
    this.rooms.join(socket, 'everyone');
  }
  hello(body, socket) {
    return 'hello ' + body + ' from ' + socket.id.length + '-char id, ' + this.rooms.size('everyone') + ' here';
  }
}
Reflect.decorate(
  [SubscribeMessage('hello')],
  HelloGateway.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(HelloGateway.prototype, 'hello'),
);
MessageBody()(HelloGateway.prototype, 'hello', 0);
ConnectedSocket()(HelloGateway.prototype, 'hello', 1);
Reflect.defineMetadata('design:paramtypes', [EtpRoomsService], HelloGateway);
WebSocketGateway({ path: '/ws' })(HelloGateway);

class AppModule {}
Module({ imports: [EtpModule.forRoot()], providers: [HelloGateway] })(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new EtpAdapter(app));
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  console.log(JSON.stringify({
    port: app.getHttpServer().address().port,
    nest: require('@nestjs/core/package.json').version,
  }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('the package in a CommonJS Nest 11 app', () => {
  const fixture = useConsumerFixture('nestjs-etp-cjs-', INSTALL_TIMEOUT);

  test(
    'require("nestjs-etp") boots on this Node and exchanges an ack',
    async () => {
      const consumer = join(fixture.work, 'app');
      writeFiles(consumer, {
        'package.json': JSON.stringify(
          {
            name: 'etp-cjs-consumer',
            private: true,
            dependencies: {
              '@nestjs/common': '^11.0.0',
              '@nestjs/core': '^11.0.0',
              '@nestjs/platform-express': '^11.0.0',
              '@nestjs/websockets': '^11.0.0',
              'nestjs-etp': `file:${fixture.tarball.path}`,
              'reflect-metadata': installedVersion('reflect-metadata'),
              rxjs: installedVersion('rxjs'),
            },
          },
          null,
          2,
        ),
        'main.js': CJS_MAIN,
      });
      await npmInstall(consumer);

      const app = await startNode(consumer, ['main.js']);
      fixture.app = app;
      expect(app.info.nest).toMatch(/^11\./);
      const client = await RawClient.connect(wsUrl(app.info.port as number));
      expect(await client.request('hello||3||world', '__ack_hello', 3)).toBe(
        '__ack_hello||3||hello world from 32-char id, 1 here',
      );
      await client.close();
      fixture.app = undefined;
      expect([0, 'SIGTERM']).toContain(await app.stop());
    },
    INSTALL_TIMEOUT,
  );
});
