import { join } from 'node:path';
import {
  installedVersion,
  npmInstall,
  startNode,
  useConsumerFixture,
  writeFiles,
} from '../support/consumer-app.js';

const INSTALL_TIMEOUT = 240_000;

/**
 * A CommonJS Nest 11 app with `@nestjs/terminus` 11, the lower end of the peer range: plain
 * JavaScript, decorators applied as TypeScript compiles them. It checks its health once before
 * it listens (the gateway's server is not listening yet: down), then serves `/health`.
 */
const CJS_MAIN = `'use strict';
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { WebSocketGateway } = require('@nestjs/websockets');
const { HealthCheckService, TerminusModule } = require('@nestjs/terminus');
const { EtpAdapter, EtpModule } = require('nestjs-etp');
const { EtpHealthIndicator } = require('nestjs-etp/terminus');

class ChatGateway {}
WebSocketGateway({ path: '/ws' })(ChatGateway);

class HealthController {
  constructor(health, etp) {
    this.health = health;
    this.etp = etp;
  }
  check() {
    return this.health.check([() => this.etp.isHealthy('etp')]);
  }
}
Reflect.decorate(
  [Get()],
  HealthController.prototype,
  'check',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'check'),
);
Reflect.defineMetadata('design:paramtypes', [HealthCheckService, EtpHealthIndicator], HealthController);
Controller('health')(HealthController);

class AppModule {}
Module({
  imports: [EtpModule.forRoot(), TerminusModule],
  controllers: [HealthController],
  providers: [ChatGateway, EtpHealthIndicator],
})(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(new EtpAdapter(app));
  app.enableShutdownHooks();
  await app.init();
  let before;
  try {
    before = await app.get(HealthController).check();
  } catch (error) {
    before = { status: error.getStatus(), body: error.getResponse() };
  }
  await app.listen(0, '127.0.0.1');
  console.log(JSON.stringify({
    port: app.getHttpServer().address().port,
    nest: require('@nestjs/core/package.json').version,
    terminus: require('@nestjs/terminus/package.json').version,
    before,
  }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('nestjs-etp/terminus in a CommonJS Nest 11 app with @nestjs/terminus 11', () => {
  const fixture = useConsumerFixture('nestjs-etp-terminus-cjs-', INSTALL_TIMEOUT);

  test(
    'require("nestjs-etp/terminus") works: down before the app listens, 200 and up after',
    async () => {
      const consumer = join(fixture.work, 'app');
      writeFiles(consumer, {
        'package.json': JSON.stringify(
          {
            name: 'etp-terminus-cjs-consumer',
            private: true,
            dependencies: {
              '@nestjs/common': '^11.0.0',
              '@nestjs/core': '^11.0.0',
              '@nestjs/platform-express': '^11.0.0',
              '@nestjs/terminus': '^11.0.0',
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
      const { port, nest, terminus, before } = app.info as {
        port: number;
        nest: string;
        terminus: string;
        before: { status: number; body: { error: { etp: unknown } } };
      };
      expect(nest).toMatch(/^11\./);
      expect(terminus).toMatch(/^11\./);
      expect(before.status).toBe(503);
      expect(before.body.error.etp).toMatchObject({
        status: 'down',
        gateways: [{ path: '/ws', listening: false, connections: 0 }],
      });

      const response = await fetch(`http://127.0.0.1:${port}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        info: {
          etp: {
            status: 'up',
            gateways: [{ path: '/ws', port, listening: true, connections: 0 }],
            broker: { name: 'EtpInMemoryBroker', connected: true },
          },
        },
      });
      fixture.app = undefined;
      expect([0, 'SIGTERM']).toContain(await app.stop());
    },
    INSTALL_TIMEOUT,
  );
});
