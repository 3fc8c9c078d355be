import { join } from 'node:path';
import WebSocket from 'ws';
import { startNode } from '../../support/consumer-app.js';
import { buildPackageAndSample, ROOT } from '../../support/package-build.js';
import { wsUrl } from '../../support/raw-client.js';

const BUILD_TIMEOUT = 180_000;
const CLIENTS = 1_000;
const ROUNDS = 3;
/** Longer than the one second the server used to wait before ending connections. */
const CLIENT_STALL_MS = 1_500;
const SERVER = join(ROOT, 'test/e2e/edge/support/shutdown-server.mjs');

function connect(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(port));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Starts the server, keeps 1,000 clients busy (each sends its next request as soon as the last
 * one is answered), shuts the server down, and returns every client's close status.
 */
async function closeCodesOfBusyClients(
  shutdown: 'SIGTERM' | 'app.close()',
  shutdownCloseCode?: number,
): Promise<number[]> {
  const env =
    shutdownCloseCode === undefined ? {} : { SHUTDOWN_CLOSE_CODE: `${shutdownCloseCode}` };
  const server = await startNode(ROOT, [SERVER], { env });
  const clients: WebSocket[] = [];
  let pump: ReturnType<typeof setInterval> | undefined;
  try {
    const port = server.info.port as number;
    for (let i = 0; i < CLIENTS; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(port)))));
    }
    const codes = clients.map(
      (ws) => new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code))),
    );
    // Busy: every client keeps sending, without waiting for answers, so that the server is
    // behind in reading when it shuts down.
    let answered = 0;
    const payload = 'x'.repeat(2_000);
    for (const ws of clients) {
      ws.on('error', () => undefined);
      ws.on('message', () => answered++);
    }
    pump = setInterval(() => {
      for (const ws of clients) {
        if (ws.readyState === WebSocket.OPEN) {
          for (let i = 1; i <= 5; i++) ws.send(`work||${i}||${payload}`);
        }
      }
    }, 5);
    while (answered < CLIENTS * 3) await new Promise((resolve) => setTimeout(resolve, 20));
    if (shutdown === 'SIGTERM') server.child.kill('SIGTERM');
    else clients[0].send('shutdown||0');
    // The clients' host is too busy to read for a while, as under real load: their close frames
    // wait in the kernel, behind what the server answered before.
    const busyUntil = Date.now() + CLIENT_STALL_MS;
    while (Date.now() < busyUntil);
    return await Promise.all(codes);
  } finally {
    clearInterval(pump);
    for (const ws of clients) ws.terminate();
    await server.stop();
  }
}

function tally(codes: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

describe(`shutdown under ${CLIENTS} busy clients, ${ROUNDS} times`, () => {
  beforeAll(() => buildPackageAndSample(), BUILD_TIMEOUT);

  it.each(['SIGTERM', 'app.close()'] as const)(
    'with %s, every client gets its close frame (1000, as from the Go reference), every time',
    async (shutdown) => {
      for (let round = 1; round <= ROUNDS; round++) {
        expect([round, tally(await closeCodesOfBusyClients(shutdown))]).toEqual([
          round,
          { 1000: CLIENTS },
        ]);
      }
    },
    120_000,
  );

  it('with shutdownCloseCode 1001 and SIGTERM, every client gets 1001', async () => {
    expect(tally(await closeCodesOfBusyClients('SIGTERM', 1001))).toEqual({ 1001: CLIENTS });
  }, 60_000);
});
