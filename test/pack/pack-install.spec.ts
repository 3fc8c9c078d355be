import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  installedVersion,
  npmInstall,
  startNode,
  useConsumerFixture,
  writeFiles,
} from '../support/consumer-app.js';
import { ROOT } from '../support/package-build.js';
import { RawClient, wsUrl } from '../support/raw-client.js';

const run = promisify(execFile);
const INSTALL_TIMEOUT = 240_000;

/** A user's Nest 12 app in TypeScript, ESM, with nestjs-etp installed from the tarball. */
const CONSUMER_MAIN = `import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import { EtpAdapter, EtpModule, EtpRoomsService, type EtpSocket } from 'nestjs-etp';

@WebSocketGateway({ path: '/ws' })
class HelloGateway implements OnGatewayConnection {
  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket, _request: IncomingMessage): void {
    this.rooms.join(socket, 'everyone');
  }

  @SubscribeMessage('hello')
  hello(@MessageBody() body: string, @ConnectedSocket() socket: EtpSocket): string {
    return \`hello \${body} from \${socket.id.length}-char id, \${this.rooms.size('everyone')} here\`;
  }
}

@Module({ imports: [EtpModule.forRoot()], providers: [HelloGateway] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.useWebSocketAdapter(new EtpAdapter(app));
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as AddressInfo;
console.log(JSON.stringify({ port, browser: import.meta.resolve('nestjs-etp/browser') }));
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    // As a project made by the Nest CLI has it.
    skipLibCheck: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: 'src',
  },
  include: ['src'],
};

describe('the package as published', () => {
  const fixture = useConsumerFixture('nestjs-etp-pack-', INSTALL_TIMEOUT);

  test('npm pack on a clean tree builds through the prepare script; the tarball holds dist with types, README, LICENSE and an exports map', () => {
    // The tree was copied without dist/: the build in npm's output is the only source of it.
    expect(fixture.tarball.log).toMatch(/> nestjs-etp@[^ ]+ prepare\n> npm run build/);
    const files = fixture.tarball.files;
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/browser.js',
        'dist/browser.d.ts',
      ]),
    );
    expect(
      files.filter((file) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(file)),
    ).toEqual([]);
    expect(files.some((file) => file.startsWith('dist/') && file.endsWith('.spec.js'))).toBe(false);

    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      type: string;
      exports: Record<string, unknown>;
    };
    expect(manifest.type).toBe('module');
    expect(manifest.exports['.']).toEqual({
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(manifest.exports['./browser']).toMatchObject({ default: './dist/browser.js' });
  });

  test(
    'a fresh Nest 12 app installs the tarball, type-checks against it, boots and acks',
    async () => {
      const consumer = join(fixture.work, 'app');
      writeFiles(consumer, {
        'package.json': JSON.stringify(
          {
            name: 'etp-consumer',
            private: true,
            type: 'module',
            dependencies: {
              '@nestjs/common': installedVersion('@nestjs/common'),
              '@nestjs/core': installedVersion('@nestjs/core'),
              '@nestjs/platform-express': installedVersion('@nestjs/platform-express'),
              '@nestjs/websockets': installedVersion('@nestjs/websockets'),
              'nestjs-etp': `file:${fixture.tarball.path}`,
              'reflect-metadata': installedVersion('reflect-metadata'),
              rxjs: installedVersion('rxjs'),
            },
            devDependencies: { '@types/node': installedVersion('@types/node') },
          },
          null,
          2,
        ),
        'tsconfig.json': JSON.stringify(CONSUMER_TSCONFIG, null, 2),
        'src/main.ts': CONSUMER_MAIN,
      });
      await npmInstall(consumer);

      // The consumer's own compiler run: types come from the installed tarball, not from src/.
      try {
        await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
          cwd: consumer,
        });
      } catch (error) {
        throw new Error(
          `the consumer does not type-check:\n${(error as { stdout: string }).stdout}`,
        );
      }

      const app = await startNode(consumer, ['dist/main.js']);
      fixture.app = app;
      const port = app.info.port as number;
      expect(app.info.browser).toBe(
        `file://${join(consumer, 'node_modules/nestjs-etp/dist/browser.js')}`,
      );

      const client = await RawClient.connect(wsUrl(port));
      expect(await client.request('hello||7||world', '__ack_hello', 7)).toBe(
        '__ack_hello||7||hello world from 32-char id, 1 here',
      );
      await client.close();
      // Nest's shutdown hook closes the app, then ends the process with the signal it got.
      fixture.app = undefined;
      expect([0, 'SIGTERM']).toContain(await app.stop());
    },
    INSTALL_TIMEOUT,
  );
});
