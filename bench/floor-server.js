// The physical floor of a broadcast: a raw `node:net` server, no WebSocket library, that answers
// the RFC 6455 handshake by hand and writes one prebuilt text frame to every connection it holds.
// Nothing a usable server could skip is left out of a broadcast here (one frame built once, one
// `write` system call per connection), and nothing else is added: what it spends per broadcast
// is the cost of the writes themselves, nearly all of it in the kernel.
/* global Buffer, performance */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { HOST } from './shared.js';

const HEADERS_END = Buffer.from('\r\n\r\n');
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A final, unmasked text frame: what a server writes for one message. */
export function serverFrame(text) {
  const payload = Buffer.from(text);
  const head = payload.length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(head + payload.length);
  frame[0] = 0x81;
  if (head === 2) frame[1] = payload.length;
  else {
    frame[1] = 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  payload.copy(frame, head);
  return frame;
}

/** The text of every whole masked client text frame in `bytes`; returns [texts, unread rest]. */
function clientTexts(bytes) {
  const texts = [];
  let start = 0;
  while (bytes.length - start >= 6) {
    let length = bytes[start + 1] & 0x7f;
    let offset = start + 2;
    if (length === 126) {
      if (bytes.length - start < 8) break;
      length = bytes.readUInt16BE(start + 2);
      offset += 2;
    } else if (length === 127) {
      break; // no client of the benchmark sends that much
    }
    if (offset + 4 + length > bytes.length) break;
    const mask = bytes.subarray(offset, offset + 4);
    const payload = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    if ((bytes[start] & 0x0f) === 1) texts.push(payload.toString());
    start = offset + 4 + length;
  }
  return [texts, bytes.subarray(start)];
}

/**
 * Starts the floor server on a free loopback port. `onText(text)` gets each text message a
 * client sends (the room scenario's trigger). `broadcast(text)` frames `text` once and writes it
 * to every connection; it returns how long the loop held the process, in ms.
 */
export async function startFloor({ onText = () => {} } = {}) {
  const sockets = new Set();
  const server = createServer({ noDelay: true }, (socket) => {
    let head = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (!upgraded) {
        const end = head.indexOf(HEADERS_END);
        if (end === -1) return;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString('latin1', 0, end))?.[1];
        if (key === undefined) return socket.destroy();
        const accept = createHash('sha1')
          .update(key + ACCEPT_GUID)
          .digest('base64');
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upgraded = true;
        sockets.add(socket);
        head = head.subarray(end + 4);
      }
      const [texts, rest] = clientTexts(head);
      head = rest;
      for (const text of texts) onText(text);
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    port: server.address().port,
    members: () => sockets.size,
    broadcast(text) {
      const startedAt = performance.now();
      const frame = serverFrame(text);
      for (const socket of sockets) socket.write(frame);
      return performance.now() - startedAt;
    },
  };
}
