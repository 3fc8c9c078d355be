// The clients of the recovery benchmark, in their own process:
// `node bench/recovery-clients.js <kind> <url> <count>`.
//   raw  `ws` clients that ask for recovery in their handshake and count the ticks they get
//        (the cost of keeping: no reconnect)
//   etp  EtpClients (recovery on, their default), reconnecting by themselves
//   io   socket.io-client clients, reconnecting by themselves (socket.io's recovery on)
// Each client checks the ticks it gets: every seq once, in order; a seq past the next one counts
// the ones between as lost, one at or below the last as duplicated.
// IPC: `connect` (answers once every client is open), `drop` (from now on, count reconnections),
// `reached` (answers once every client has tick `seq`, or at `timeoutMs` with how many have not),
// `reconnected` (answers once every client is connected again), `state`, and `exit`.
/* global performance, process, setTimeout, clearTimeout */
import { setTimeout as sleep } from 'node:timers/promises';
import { tell } from './shared.js';

const [kind, url, countText] = process.argv.slice(2);
const count = Number(countText);
const SEQ = /"seq":(\d+)/;

/** What one client has seen. */
class Tally {
  last = 0;
  lost = 0;
  duplicated = 0;
  connected = false;
  reconnected = false;
  recovered = undefined;

  tick(seq) {
    if (seq <= this.last) this.duplicated++;
    else {
      this.lost += seq - this.last - 1;
      this.last = seq;
    }
    check();
  }
}

const tallies = [];
let dropping = false;
/** Conditions the runner waits for: each is checked whenever a tally changes. */
const waiters = new Set();

function check() {
  for (const waiter of waiters) {
    if (waiter.met()) {
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.done(true);
    }
  }
}

function waitFor(met, timeoutMs) {
  return new Promise((resolve) => {
    const waiter = { met, done: resolve };
    if (met()) return resolve(true);
    waiter.timer = setTimeout(() => {
      waiters.delete(waiter);
      resolve(false);
    }, timeoutMs);
    waiters.add(waiter);
  });
}

function opened(tally, recovered) {
  tally.connected = true;
  if (dropping) {
    tally.reconnected = true;
    tally.recovered = recovered;
  }
  check();
}

async function rawClient(tally) {
  const { WebSocket } = await import('ws');
  await new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}?__etp_recovery=1`);
    socket.on('message', (data) => {
      const match = SEQ.exec(data.toString());
      if (match !== null) tally.tick(Number(match[1]));
    });
    socket.once('open', () => {
      opened(tally);
      resolve();
    });
    socket.once('error', reject);
    tallies.closers.push(() => socket.terminate());
  });
}

let EtpClient;
async function etpClient(tally) {
  if (EtpClient === undefined) {
    // Thousands of clients each saying it reconnects would be the run's whole output.
    (await import('@nestjs/common')).Logger.overrideLogger(false);
    EtpClient = (await import('nestjs-etp')).EtpClient;
  }
  const client = new EtpClient({
    url,
    reconnect: { initialDelay: 100, maxDelay: 1_000, factor: 2, jitter: 0.5 },
    connectTimeout: 10_000,
  });
  client.on('tick', (data) => tally.tick(data.seq));
  client.onConnect(({ recovered }) => opened(tally, recovered));
  client.onDisconnect(() => {
    tally.connected = false;
  });
  client.onError(() => {});
  tallies.closers.push(() => client.close());
  await client.connect();
  await waitFor(() => tally.connected, 10_000);
}

let io;
async function ioClient(tally) {
  io ??= (await import('socket.io-client')).io;
  const socket = io(url, {
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 1_000,
  });
  socket.on('tick', (data) => tally.tick(data.seq));
  socket.on('connect', () => opened(tally, socket.recovered));
  socket.on('disconnect', () => {
    tally.connected = false;
  });
  tallies.closers.push(() => socket.close());
  await waitFor(() => tally.connected, 10_000);
}

const connectOne = { raw: rawClient, etp: etpClient, io: ioClient }[kind];
tallies.closers = [];

async function connectAll() {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const tally = new Tally();
      tallies[next++] = tally;
      await connectOne(tally);
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  if (!tallies.every((tally) => tally.connected)) throw new Error('some clients did not connect');
  return performance.now() - started;
}

function state() {
  let lost = 0;
  let duplicated = 0;
  let reconnected = 0;
  let recovered = 0;
  let behind = 0;
  for (const tally of tallies) {
    lost += tally.lost;
    duplicated += tally.duplicated;
    if (tally.reconnected) reconnected++;
    if (tally.recovered === true) recovered++;
  }
  return { clients: tallies.length, lost, duplicated, reconnected, recovered, behind };
}

process.on('message', async (message) => {
  try {
    switch (message.cmd) {
      case 'connect':
        tell({ type: 'connect', ms: await connectAll() });
        break;
      case 'drop':
        dropping = true;
        tell({ type: 'drop' });
        break;
      case 'reached': {
        const met = await waitFor(
          () => tallies.every((tally) => tally.last >= message.seq),
          message.timeoutMs,
        );
        const short = tallies.filter((tally) => tally.last < message.seq).length;
        tell({ type: 'reached', met, short });
        break;
      }
      case 'reconnected': {
        const met = await waitFor(
          () => tallies.every((tally) => tally.reconnected && tally.connected),
          message.timeoutMs,
        );
        tell({ type: 'reconnected', met });
        break;
      }
      case 'state':
        tell({ type: 'state', ...state() });
        break;
      case 'exit':
        for (const close of tallies.closers) {
          try {
            await close();
          } catch {
            // Closing a client that never opened: nothing to close.
          }
        }
        await sleep(50);
        process.exit(0);
    }
  } catch (error) {
    tell({ type: message.cmd, failure: String(error?.stack ?? error) });
  }
});
tell({ type: 'ready' });
