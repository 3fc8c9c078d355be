import { compileEntry, startInstance, type Instance } from '../../support/instances.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';
import { handshakeStatus } from './support/handshake.js';
import { RawPeer } from './support/raw-peer.js';

const COMPILE_TIMEOUT = 120_000;
const AUTHORIZE_TIMEOUT = 30_000;
const PENDING = 200;

/** What the fixture's authorizer throws for each token, and the status the handshake must get. */
const HOSTILE: ReadonlyArray<readonly [string, number]> = [
  ['null', 500],
  ['undefined', 500],
  ['symbol', 500],
  ['null-prototype', 500],
  ['proxy-traps-throw', 500],
  ['getters-throw', 500],
  ['message-not-string', 500],
  ['get-status-throws', 500],
  ['get-status-42', 500],
  ['get-status-abc', 500],
  ['get-status-99999', 500],
  ['rejects-null-prototype', 500],
  ['rejects-proxy', 500],
  ['rejects-get-status-throws', 500],
  ['thenable-then-throws', 500],
  ['then-getter-throws', 500],
  ['teapot', 418],
];

let entry: string;

beforeAll(async () => {
  entry = await compileEntry('test/e2e/edge/support/authorize-app.ts', 'authorize-app');
}, COMPILE_TIMEOUT);

/** An honest handshake still upgrades, and its authorization reaches the handlers. */
async function expectServing(port: number, path: string, user: string): Promise<void> {
  const client = await RawClient.connect(wsUrl(port, `${path}?token=good`));
  try {
    expect(await client.request('whoami||1', '__ack_whoami', 1)).toBe(
      `__ack_whoami||1||{"user":"${user}"}`,
    );
  } finally {
    await client.close();
  }
}

describe('authorize in an application made by NestFactory', () => {
  let app: Instance;

  beforeAll(async () => {
    app = await startInstance(entry, 'authorize', {});
  });
  afterAll(() => app.stop());

  it.each(HOSTILE)(
    'an authorizer that throws %s refuses the handshake with %d, and the process serves on',
    async (token, status) => {
      expect(await handshakeStatus(app.port, `/fn?token=${token}`)).toBe(status);
      await expectServing(app.port, '/fn', 'alice');
      expect(app.child.exitCode).toBeNull();
    },
  );

  it('logged what it could of the throws, each on one line', () => {
    const refusals = app
      .output()
      .split('\n')
      .filter((line) => line.includes('Refused a handshake: authorize threw'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toMatch(/authorize threw null$/);
    expect(app.output()).not.toMatch(/Unhandled|uncaught/i);
  });

  it('takes a class listed in no providers, with the provider it injects', async () => {
    await expectServing(app.port, '/class', 'bob');
    expect(await handshakeStatus(app.port, '/class?token=bad')).toBe(401);
    expect(app.child.exitCode).toBeNull();
  });
});

describe('an application made by NestFactory without EtpModule', () => {
  it('starts, and authorizes with a class listed in no providers', async () => {
    const app = await startInstance(entry, 'without-etp-module', { MODE: 'without-etp-module' });
    try {
      await expectServing(app.port, '/class', 'bob');
      await expectServing(app.port, '/fn', 'alice');
    } finally {
      await app.stop();
    }
  });
});

describe('a class authorizer that injects what no module provides', () => {
  it('fails the bootstrap, naming the class, the dependency and the fix', async () => {
    const outcome = await startInstance(entry, 'missing', { MODE: 'missing-dependency' }).then(
      async (started) => {
        await started.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/exited with 1 before it was ready/);
    expect(outcome).toMatch(
      /authorizer MissingDependencyAuthorizer of the gateway on \/missing cannot be made: its constructor's argument 0 \(MissingService\)/,
    );
    expect(outcome).toMatch(/providers/);
  });
});

describe(`shutdown with ${PENDING} authorizations pending`, () => {
  it(
    `answers each 503 at once, answers a handshake during shutdown 503, and exits before authorizeTimeout`,
    async () => {
      const app = await startInstance(entry, 'shutdown', {
        AUTHORIZE_TIMEOUT: String(AUTHORIZE_TIMEOUT),
        SHUTDOWN_TIMEOUT: '2000',
      });
      // A peer that never answers the close frame keeps the shutdown going for shutdownTimeout.
      const holder = await RawPeer.connect(app.port, '/fn?token=good');
      try {
        const pending = Array.from({ length: PENDING }, () =>
          handshakeStatus(app.port, '/fn?token=never'),
        );
        while (!app.output().includes(`{"pending":${PENDING}}`)) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const signalled = Date.now();
        app.child.kill('SIGTERM');
        expect(new Set(await Promise.all(pending))).toEqual(new Set([503]));
        expect(await handshakeStatus(app.port, '/fn?token=good')).toBe(503);
        expect(await app.stop()).toBe('SIGTERM');
        expect(Date.now() - signalled).toBeLessThan(AUTHORIZE_TIMEOUT);
      } finally {
        holder.destroy();
        await app.stop();
      }
    },
    AUTHORIZE_TIMEOUT * 2,
  );
});
