// The echo load generator, in its own process: `node bench/load.js '<json options>'`.
// N connections, each keeping M requests in flight: every answer sends the next request at once.
// Each server is spoken to in its own protocol, with the same payload:
//   bare, etp  `echo||<id>||<json>`            → `__ack_echo||<id>||<json>`
//   ws         `{"event":"echo","data":<json>}` → `<json>` (answered in order, matched in order)
//   io         socket.io-client, websocket transport, emit('echo', payload, ack)
// bare, etp and ws go through the lean client of wire.js, so that the client process is not what
// limits them; socket.io needs its own client library.
// Latency is kept in a histogram of 1 µs buckets, so that recording costs the same at any rate.
/* global Buffer, performance, process, setTimeout */
import { io } from 'socket.io-client';
import { HOST, PAYLOAD, PAYLOAD_OBJECT, tell } from './shared.js';
import { clientFrame, openWebSocket } from './wire.js';

const options = JSON.parse(process.argv[2]);
const { kind, port, connections, inflight, warmupMs, durationMs, verify } = options;

const MAX_MICROS = 1_000_000;
const histogram = new Uint32Array(MAX_MICROS + 1);
let measuring = false;
let stopped = false;
let acks = 0;
let failure;

function fail(message) {
  failure ??= message;
}

function record(sentAt) {
  if (!measuring) return;
  acks++;
  const micros = Math.round((performance.now() - sentAt) * 1000);
  histogram[micros > MAX_MICROS ? MAX_MICROS : micros]++;
}

function percentile(fraction) {
  const wanted = Math.max(1, Math.ceil(acks * fraction));
  let seen = 0;
  for (let micros = 0; micros <= MAX_MICROS; micros++) {
    seen += histogram[micros];
    if (seen >= wanted) return micros;
  }
  return MAX_MICROS;
}

const ACK_PREFIX = Buffer.from('__ack_echo||');
const PAYLOAD_BYTES = Buffer.from(PAYLOAD);
const PIPE = 0x7c;

function unexpected(bytes, start, end) {
  fail(`unexpected answer: ${bytes.toString('utf8', start, Math.min(end, start + 120))}`);
}

/** ETP: slot k of M sends ids k, k+M, k+2M, … so that id % M finds the slot of an answer. */
function etpClient() {
  const sentAt = new Float64Array(inflight);
  let socket;
  const send = (id) => {
    sentAt[id % inflight] = performance.now();
    socket.write(clientFrame(`echo||${id}||${PAYLOAD}`));
  };
  const onMessage = (bytes, start, end) => {
    let id = 0;
    let i = start + ACK_PREFIX.length;
    while (i < end && bytes[i] !== PIPE) id = id * 10 + (bytes[i++] - 0x30);
    if (end !== i + 2 + PAYLOAD_BYTES.length) return unexpected(bytes, start, end);
    if (verify) {
      const prefix = bytes.subarray(start, start + ACK_PREFIX.length);
      if (!prefix.equals(ACK_PREFIX) || !bytes.subarray(i + 2, end).equals(PAYLOAD_BYTES)) {
        return unexpected(bytes, start, end);
      }
    }
    record(sentAt[id % inflight]);
    if (!stopped) send(id + inflight);
  };
  const begin = (opened) => {
    socket = opened;
    for (let slot = 1; slot <= inflight; slot++) send(slot);
  };
  return { onMessage, begin };
}

/** Nest's WsAdapter: no ids; the answers come in the order of the requests. */
function wsAdapterClient() {
  const request = clientFrame(`{"event":"echo","data":${PAYLOAD}}`);
  const sentAt = new Float64Array(inflight);
  let head = 0;
  let tail = 0;
  let socket;
  const send = () => {
    sentAt[tail] = performance.now();
    tail = (tail + 1) % inflight;
    socket.write(request);
  };
  const onMessage = (bytes, start, end) => {
    if (end - start !== PAYLOAD_BYTES.length) return unexpected(bytes, start, end);
    if (verify && !bytes.subarray(start, end).equals(PAYLOAD_BYTES)) {
      return unexpected(bytes, start, end);
    }
    record(sentAt[head]);
    head = (head + 1) % inflight;
    if (!stopped) send();
  };
  const begin = (opened) => {
    socket = opened;
    for (let slot = 0; slot < inflight; slot++) send();
  };
  return { onMessage, begin };
}

async function openLean() {
  const client = kind === 'ws' ? wsAdapterClient() : etpClient();
  const socket = await openWebSocket({
    host: HOST,
    port,
    onMessage: client.onMessage,
    onClose() {
      if (!stopped) fail('a connection closed during the run');
    },
  });
  return { peer: socket, start: () => client.begin(socket) };
}

function openIo() {
  return new Promise((resolve, reject) => {
    const socket = io(`http://${HOST}:${port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
    socket.on('disconnect', () => {
      if (!stopped) fail('a connection closed during the run');
    });
  });
}

function ioConnection(socket) {
  const send = () => {
    const sentAt = performance.now();
    socket.emit('echo', PAYLOAD_OBJECT, (answer) => {
      if (verify && JSON.stringify(answer) !== PAYLOAD) {
        return fail(`unexpected answer: ${JSON.stringify(answer)}`);
      }
      record(sentAt);
      if (!stopped) send();
    });
  };
  return () => {
    for (let slot = 0; slot < inflight; slot++) send();
  };
}

const peers = [];
const starters = [];
for (let i = 0; i < connections; i++) {
  if (kind === 'io') {
    const socket = await openIo();
    peers.push(socket);
    starters.push(ioConnection(socket));
  } else {
    const { peer, start } = await openLean();
    peers.push(peer);
    starters.push(start);
  }
}

for (const start of starters) start();
await new Promise((resolve) => setTimeout(resolve, warmupMs));
tell({ type: 'measuring' });
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
measuring = true;
await new Promise((resolve) => setTimeout(resolve, durationMs));
measuring = false;
const seconds = (performance.now() - startedAt) / 1000;
const cpu = process.cpuUsage(cpuBefore);
tell({ type: 'measured' });
stopped = true;

if (acks === 0) fail('no answer at all during the measured time');
tell({
  type: 'result',
  acks,
  seconds,
  rate: acks / seconds,
  p50: percentile(0.5),
  p99: percentile(0.99),
  clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  failure,
});
for (const peer of peers) {
  if (kind === 'io') peer.disconnect();
  else peer.destroy();
}
process.exit(failure === undefined ? 0 : 1);
