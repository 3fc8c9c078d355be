// What dispatch costs per event, and what metrics add to it, in one process without sockets:
//   npm run build && node bench/dispatch-cost.js [dist of a build without metrics] [names]
// `names`, comma-separated, picks configurations (default: all of them). Run `before,off` alone
// to see the cost of metrics being off as an app has it: with no recording gateway in the
// process, the calls in dispatch see one kind of metrics object only.
// Each configuration gets its own gateway server, and their rounds are interleaved so that the
// load of a busy machine spreads over all of them alike; the minimum is the figure to compare.
//   before:   the other build (when given), which has no metrics
//   off:      no MeterProvider registered, what every app without OpenTelemetry gets
//   disabled: a MeterProvider, and the gateway option `metrics: false`
//   sdk:      the OpenTelemetry SDK records every event
/* global Buffer, console, process, setImmediate */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

const ROUNDS = 15;
const BATCH = 10_000;
const BATCHES = 20;
const frame = Buffer.from('echo||1||{"text":"hello"}');

class CollectingReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

async function load(dist) {
  const url = (file) => pathToFileURL(resolve(dist, file)).href;
  const { EtpServer } = await import(url('server/etp-server.js'));
  const { EtpSocket } = await import(url('server/etp-socket.js'));
  // Builds before the shared receive loop had `dispatchMessage(server, socket, bytes)`.
  const { dispatchMessage } = await import(url('server/dispatch.js'));
  const receive = dispatchMessage ?? (await import(url('protocol/receive.js'))).receiveMessage;
  return (options) => {
    const server = new EtpServer(
      { path: '/ws', heartbeat: false, ...options },
      new Logger('bench'),
      undefined,
    );
    const transport = { readyState: 1, send() {}, ping() {}, close() {}, terminate() {} };
    // What EtpServer.accept does: the socket gets the server's shared host, then its server.
    const socket = new EtpSocket(transport, {}, server.socketHost);
    socket.server = server;
    // Nest's handler callbacks are async functions: each answer waits for a promise.
    server.bindHandlers(socket, [{ message: 'echo', callback: async (body) => body }]);
    const receiver = dispatchMessage === undefined ? server.dispatch : server;
    return () => receive(receiver, socket, frame);
  };
}

const [before, names = 'before,off,disabled,sdk'] = process.argv.slice(2);
const wanted = new Set(names.split(','));
const configs = [];
if (before !== undefined && wanted.has('before')) {
  configs.push({ name: 'before', dispatch: (await load(before))({}) });
}
const current = await load('dist');
if (wanted.has('off')) configs.push({ name: 'off', dispatch: current({}) });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new CollectingReader()] }));
if (wanted.has('disabled'))
  configs.push({ name: 'disabled', dispatch: current({ metrics: false }) });
if (wanted.has('sdk')) configs.push({ name: 'sdk', dispatch: current({}) });

async function round(dispatch) {
  const started = process.hrtime.bigint();
  for (let batch = 0; batch < BATCHES; batch++) {
    for (let i = 0; i < BATCH; i++) dispatch();
    await new Promise((done) => setImmediate(done));
  }
  return Number(process.hrtime.bigint() - started) / (BATCH * BATCHES);
}

for (const config of configs) {
  config.times = [];
  await round(config.dispatch); // warm-up
}
for (let r = 0; r < ROUNDS; r++) {
  for (const config of configs) config.times.push(await round(config.dispatch));
}
for (const { name, times } of configs) {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(8)} min ${times[0].toFixed(0)} ns, median ${median.toFixed(0)} ns per event`,
  );
}
