// The peers of the fairness benchmark, in a process of their own:
//   node bench/fairness-peers.js honest '<json>'  N peers, each asking `echo` with an ack every
//       1000/rate ms; reports the latency of the acks (p50, p99) over the measured window.
//   node bench/fairness-peers.js flood '<json>'   one peer writing `echo` events without acks as
//       fast as its socket takes them, and never waiting for anything.
// Both speak through the lean client of wire.js. The parent sends `measure` and `stop`.
/* global Buffer, performance, process, setInterval, clearInterval, setTimeout */
import { HOST, PAYLOAD, tell } from './shared.js';
import { clientFrame, openWebSocket } from './wire.js';

const [role, json] = process.argv.slice(2);
const options = JSON.parse(json);

const ACK_PREFIX = '__ack_echo||';

async function honest({ port, peers, rate }) {
  const latencies = [];
  let measuring = false;
  let failures = 0;
  const timers = [];
  const sockets = [];
  for (let peer = 0; peer < peers; peer++) {
    const sentAt = new Map();
    let next = 1;
    const socket = await openWebSocket({
      host: HOST,
      port,
      onMessage(bytes, start, end) {
        const text = bytes.toString('utf8', start, end);
        if (!text.startsWith(ACK_PREFIX)) return;
        const id = Number(text.slice(ACK_PREFIX.length, text.indexOf('||', ACK_PREFIX.length)));
        const at = sentAt.get(id);
        if (at === undefined) return;
        sentAt.delete(id);
        if (measuring) latencies.push(performance.now() - at);
      },
      onClose: () => failures++,
    });
    sockets.push(socket);
    // Spread the peers over the period, so that they do not all ask at once.
    const period = 1000 / rate;
    setTimeout(
      () =>
        timers.push(
          setInterval(() => {
            const id = next++;
            sentAt.set(id, performance.now());
            socket.write(clientFrame(`echo||${id}||${PAYLOAD}`));
          }, period),
        ),
      (period * peer) / peers,
    );
  }
  tell({ type: 'ready' });
  process.on('message', (message) => {
    if (message.cmd === 'measure') {
      latencies.length = 0;
      measuring = true;
    } else if (message.cmd === 'stop') {
      measuring = false;
      for (const timer of timers) clearInterval(timer);
      const sorted = latencies.sort((a, b) => a - b);
      const at = (fraction) =>
        sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
      tell({ type: 'result', acks: sorted.length, p50: at(0.5), p99: at(0.99), failures });
      for (const socket of sockets) socket.destroy();
      process.exit(0);
    }
  });
}

async function flood({ port }) {
  // A thousand frames in one buffer: the flooder spends its time writing, not building frames.
  const one = clientFrame(`echo||0||${PAYLOAD}`);
  const batch = Buffer.concat(Array.from({ length: 1_000 }, () => one));
  let closed = false;
  const socket = await openWebSocket({
    host: HOST,
    port,
    onMessage() {},
    onClose: () => (closed = true),
  });
  const pump = () => {
    while (!closed && socket.write(batch));
  };
  socket.on('drain', pump);
  pump();
  tell({ type: 'ready' });
  process.on('message', (message) => {
    if (message.cmd === 'stop') {
      tell({ type: 'result', closed });
      socket.destroy();
      process.exit(0);
    }
  });
}

await (role === 'flood' ? flood(options) : honest(options));
