// The broadcast clients, in their own process: `node bench/crowd.js '<json options>'`.
// Opens `clients` connections, reports `connected`, then on `go` runs `rounds` broadcasts: the
// first client sends `shout`, the server sends `tick` to the whole room, and a round lasts until
// every client has its tick.
//
// 10,000 clients on one core would otherwise measure the clients, not the server: a `ws` client
// spends more time receiving a message than a server spends sending it. So each client here is a
// bare TCP socket that does the WebSocket handshake itself, reads frames into one shared buffer
// (net's `onread`) and only looks at the first bytes of each message. The same client serves
// every server. socket.io is spoken over it by hand: Engine.IO v4 / socket.io v5 packets
// (`0` open, `40` connect, `2`/`3` ping/pong, `42[...]` event), over the websocket transport.
/* global Buffer, clearTimeout, performance, process, setTimeout */
import { connect } from 'node:net';
import { HOST, PAYLOAD, tell } from './shared.js';

const options = JSON.parse(process.argv[2]);
const { kind, port, clients, rounds, concurrency, roundTimeoutMs } = options;
const socketIo = kind === 'io';
const path = socketIo ? '/socket.io/?EIO=4&transport=websocket' : '/';
const handshake =
  `GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const TICK_FIRST = socketIo ? 0x34 : 0x74; // '4' of `42[...]`, 't' of `tick||…`
const HEADERS_END = Buffer.from('\r\n\r\n');
const shared = Buffer.allocUnsafe(256 * 1024);

/** A client frame: masked, as RFC 6455 wants, with a zero key so the payload stays as it is. */
function clientFrame(opcode, text) {
  const payload = Buffer.from(text);
  const head =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0])
      : Buffer.from([
          0x80 | opcode,
          0x80 | 126,
          payload.length >> 8,
          payload.length & 0xff,
          0,
          0,
          0,
          0,
        ]);
  return Buffer.concat([head, payload]);
}
const SHOUT = clientFrame(1, socketIo ? `42["shout",${PAYLOAD}]` : `shout||0||${PAYLOAD}`);
const CONNECT = clientFrame(1, '40');
const PONG = clientFrame(1, '3');

let received = 0;
let onAllReceived;
let failure;
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    let upgraded = false;
    let ready = false;
    let rest = null; // the unread start of a frame split across reads

    const message = (bytes, start) => {
      const first = bytes[start];
      if (socketIo && !ready) {
        if (first === 0x30)
          socket.write(CONNECT); // open → connect to the main namespace
        else if (first === 0x34 && bytes[start + 1] === 0x30) {
          ready = true;
          resolve(socket);
        }
        return;
      }
      if (first === TICK_FIRST) {
        if (++received === clients) onAllReceived?.();
      } else if (socketIo && first === 0x32) {
        socket.write(PONG);
      }
    };

    /** Reads every whole frame of bytes[start, end); returns where the unread part starts. */
    const frames = (bytes, start, end) => {
      while (end - start >= 2) {
        const opcode = bytes[start] & 0x0f;
        let length = bytes[start + 1] & 0x7f;
        let offset = start + 2;
        if (length === 126) {
          if (end - start < 4) break;
          length = bytes.readUInt16BE(start + 2);
          offset += 2;
        } else if (length === 127) {
          if (end - start < 10) break;
          length = Number(bytes.readBigUInt64BE(start + 2));
          offset += 8;
        }
        if (offset + length > end) break;
        if (opcode === 1 || opcode === 2) message(bytes, offset);
        else if (opcode === 9)
          socket.write(clientFrame(10, bytes.toString('latin1', offset, offset + length)));
        else if (opcode === 8 && ready) failure ??= 'the server closed a client';
        start = offset + length;
      }
      return start;
    };

    const read = (bytes, start, end) => {
      if (!upgraded) {
        const headersEnd = bytes.subarray(start, end).indexOf(HEADERS_END);
        if (headersEnd === -1) return start;
        if (bytes.toString('latin1', start, start + 12) !== 'HTTP/1.1 101') {
          reject(new Error(bytes.toString('latin1', start, Math.min(end, start + 80))));
          return end;
        }
        upgraded = true;
        start += headersEnd + 4;
        if (!socketIo) {
          ready = true;
          resolve(socket);
        }
      }
      return frames(bytes, start, end);
    };

    const socket = connect({
      host: HOST,
      port,
      noDelay: true,
      onread: {
        buffer: shared,
        callback(count, bytes) {
          if (rest === null) {
            const unread = read(bytes, 0, count);
            if (unread < count) rest = Buffer.from(bytes.subarray(unread, count));
          } else {
            const joined = Buffer.concat([rest, bytes.subarray(0, count)]);
            const unread = read(joined, 0, joined.length);
            rest = unread < joined.length ? joined.subarray(unread) : null;
          }
        },
      },
    });
    socket.once('connect', () => socket.write(handshake));
    socket.once('error', reject);
    socket.once('close', () => {
      if (ready) failure ??= 'a client lost its connection';
    });
  });
}

const connectStarted = performance.now();
let next = 0;
async function opener() {
  while (next < clients) {
    next++;
    sockets.push(await open());
  }
}
try {
  await Promise.all(Array.from({ length: concurrency }, opener));
} catch (error) {
  tell({ type: 'result', failure: `could not connect: ${error.message}` });
  process.exit(1);
}
tell({ type: 'connected', seconds: (performance.now() - connectStarted) / 1000 });

await new Promise((resolve) => process.once('message', resolve));

const times = [];
for (let round = 0; round < rounds && failure === undefined; round++) {
  received = 0;
  const done = new Promise((resolve) => (onAllReceived = resolve));
  const startedAt = performance.now();
  sockets[0].write(SHOUT);
  let timer;
  const timedOut = new Promise(
    (resolve) => (timer = setTimeout(resolve, roundTimeoutMs, 'timeout')),
  );
  const outcome = await Promise.race([done, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    failure = `round ${round + 1}: ${received} of ${clients} clients had the event after ${roundTimeoutMs} ms`;
    break;
  }
  times.push(performance.now() - startedAt);
  // Let the server and the clients settle before the next round.
  await new Promise((resolve) => setTimeout(resolve, 250));
}

tell({ type: 'result', times, failure });
for (const socket of sockets) socket.destroy();
process.exit(failure === undefined ? 0 : 1);
