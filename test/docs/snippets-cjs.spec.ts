import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  installedVersion,
  npmInstall,
  startNode,
  useConsumerFixture,
  writeFiles,
  type StartedProcess,
} from '../support/consumer-app.js';
import { tsc } from '../support/package-build.js';
import { RawClient } from '../support/raw-client.js';
import { freePort, RedisServer } from '../support/redis-server.js';
import { directoryOf, docPages, projectOf } from './snippets.js';

const INSTALL_TIMEOUT = 300_000;
const RUN_TIMEOUT = 60_000;
const run = promisify(execFile);

/** Nest's own log line once `app.listen()` resolved. */
const listening = (line: string) => (line.includes('successfully started') ? {} : undefined);

/** Resolves once something accepts TCP connections on the loopback port, within 20 s. */
async function acceptsConnections(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The tsconfig of a CommonJS Nest 11 app as `nest new` writes it: `module: nodenext` in a package
 * without `"type": "module"` compiles to CommonJS, refuses top-level await (TS1309) and resolves
 * the package's subpaths through its exports map.
 */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2023',
    lib: ['es2023', 'dom'],
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    rootDir: 'snippets',
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['snippets/*/*.ts'],
};

describe('the snippets of the README and of docs/, in a CommonJS Nest 11 app', () => {
  const fixture = useConsumerFixture('nestjs-etp-docs-cjs-', INSTALL_TIMEOUT);
  /** The compiled pages, one directory each (`docs-security/main.js`), once the first test ran. */
  let built: string | undefined;
  const started: StartedProcess[] = [];
  const clients: RawClient[] = [];
  let redis: RedisServer | undefined;

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(started.splice(0).map((app) => app.stop()));
    await redis?.stop();
    redis = undefined;
  });

  /** Starts a page's `main.js` as a user would: `PORT=… node main.js`. */
  async function startPage(page: string, env: NodeJS.ProcessEnv): Promise<void> {
    if (built === undefined) throw new Error('the pages were not compiled');
    started.push(await startNode(join(built, page), ['main.js'], { env, ready: listening }));
    // Nest logs "successfully started" when the app is initialised, before its HTTP server
    // listens: wait for the port itself.
    if (env.PORT !== undefined) await acceptsConnections(Number(env.PORT));
  }

  test(
    'every page compiles against the installed tarball',
    async () => {
      const app = join(fixture.work, 'app');
      writeFiles(app, {
        'package.json': JSON.stringify(
          {
            name: 'etp-docs-cjs-consumer',
            private: true,
            dependencies: {
              '@nestjs/common': '^11.0.0',
              '@nestjs/core': '^11.0.0',
              '@nestjs/platform-express': '^11.0.0',
              '@nestjs/websockets': '^11.0.0',
              '@nestjs/terminus': '^11.0.0',
              '@nestjs/jwt': '^11.0.0',
              '@opentelemetry/api': installedVersion('@opentelemetry/api'),
              '@opentelemetry/sdk-metrics': installedVersion('@opentelemetry/sdk-metrics'),
              '@opentelemetry/exporter-prometheus': installedVersion(
                '@opentelemetry/exporter-prometheus',
              ),
              '@types/node': installedVersion('@types/node'),
              ioredis: installedVersion('ioredis'),
              'nestjs-etp': `file:${fixture.tarball.path}`,
              'reflect-metadata': installedVersion('reflect-metadata'),
              rxjs: installedVersion('rxjs'),
            },
          },
          null,
          2,
        ),
        'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      });
      const pages = docPages().filter((page) => page.snippets.length > 0);
      for (const page of pages) {
        const directory = join(app, 'snippets', directoryOf(page));
        mkdirSync(directory, { recursive: true });
        for (const file of projectOf(page, pages[0])) {
          writeFileSync(join(directory, file.name), file.code);
        }
      }
      await npmInstall(app);
      const nest = JSON.parse(
        readFileSync(join(app, 'node_modules/@nestjs/core/package.json'), 'utf8'),
      ) as { version: string };
      expect(nest.version).toMatch(/^11\./);
      // Type-checked, and compiled to CommonJS JavaScript for the tests below to run.
      const out = join(app, 'build');
      await tsc('-p', join(app, 'tsconfig.json'), '--pretty', 'false', '--outDir', out);
      built = out;
    },
    INSTALL_TIMEOUT,
  );

  test(
    "the README's Quick start: PORT=… node main.js answers the Go reference's hello",
    async () => {
      const port = await freePort();
      await startPage('README', { PORT: String(port) });
      const client = await RawClient.connect(`ws://127.0.0.1:${port}/ws`);
      clients.push(client);
      expect(await client.request('hello||1||wait acknowledgment', '__ack_hello', 1)).toBe(
        '__ack_hello||1||hello handled',
      );
    },
    RUN_TIMEOUT,
  );

  test(
    'security: the JwtModule app refuses a handshake without a token; token.ts gets whoami answered',
    async () => {
      const port = await freePort();
      await startPage('docs-security', { PORT: String(port) });
      await expect(RawClient.connect(`ws://127.0.0.1:${port}/secure`)).rejects.toThrow(
        'handshake refused: 401',
      );
      await expect(
        RawClient.connect(`ws://127.0.0.1:${port}/secure?token=forged.token.here`),
      ).rejects.toThrow('handshake refused: 401');
      const { stdout } = await run(process.execPath, ['token.js'], {
        cwd: join(built!, 'docs-security'),
        env: { ...process.env, PORT: String(port) },
      });
      // The client's own log lines come before and after: the answer is a line of its own.
      expect(stdout.split('\n')).toContain('alice');
    },
    RUN_TIMEOUT,
  );

  test(
    'scale-out: two instances on their own PORT share a room through Redis',
    async () => {
      redis = await RedisServer.start();
      const [first, second] = [await freePort(), await freePort()];
      for (const port of [first, second]) {
        await startPage('docs-scale-out', { PORT: String(port), REDIS_URL: redis.url });
      }
      // Every connection joins goodClients (chat.gateway.ts); a shout on the second instance
      // reaches a member on the first.
      const onFirst = await RawClient.connect(`ws://127.0.0.1:${first}/ws`);
      clients.push(onFirst);
      const onSecond = await RawClient.connect(`ws://127.0.0.1:${second}/ws`);
      clients.push(onSecond);
      expect(await onSecond.request('shout||1||across', '__ack_shout', 1)).toBe(
        '__ack_shout||1||shouted',
      );
      expect(await onFirst.next('shouted||0||')).toMatch(
        /^shouted\|\|0\|\|\{"from":"[0-9a-f]{32}","text":"across"\}$/,
      );
    },
    RUN_TIMEOUT,
  );
});
