// A WebSocket client reduced to what the benchmark's clients need, over a bare TCP socket.
// On one core, a full client library spends more time per message than the servers under test,
// and would measure itself. This one does the RFC 6455 handshake, reads frames into one shared
// buffer (net's `onread`, no allocation per read), hands each message over as a view that is only
// valid during the call, answers pings, and writes every frame of one read in one system call.
// Client frames are masked, as the protocol requires, with a zero key: the payload stays as is.
/* global Buffer */
import { connect } from 'node:net';

const HEADERS_END = Buffer.from('\r\n\r\n');
const shared = Buffer.allocUnsafe(256 * 1024);

/** A masked client frame holding text (opcode 1), or bytes with another opcode. */
export function clientFrame(text, opcode = 1) {
  const length = Buffer.byteLength(text);
  const head = length < 126 ? 6 : 8;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  }
  frame.writeUInt32BE(0, head - 4);
  if (typeof text === 'string') frame.write(text, head);
  else frame.set(text, head);
  return frame;
}

/**
 * Opens one connection. `onMessage(bytes, start, end, socket)` gets each text or binary message; the
 * promise resolves with the socket once the handshake is answered with 101. `onClose` is called
 * when the server closes the connection or it drops.
 */
export function openWebSocket({ host, port, path = '/', onMessage, onClose }) {
  return new Promise((resolve, reject) => {
    let upgraded = false;
    let rest = null; // the unread start of a frame split across reads

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
        if (opcode === 1 || opcode === 2) onMessage(bytes, offset, offset + length, socket);
        else if (opcode === 9)
          socket.write(clientFrame(bytes.subarray(offset, offset + length), 10));
        else if (opcode === 8) socket.end();
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
          socket.destroy();
          return end;
        }
        upgraded = true;
        start += headersEnd + 4;
        resolve(socket);
      }
      return frames(bytes, start, end);
    };

    const socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: shared,
        callback(count, bytes) {
          socket.cork();
          if (rest === null) {
            const unread = read(bytes, 0, count);
            if (unread < count) rest = Buffer.from(bytes.subarray(unread, count));
          } else {
            const joined = Buffer.concat([rest, bytes.subarray(0, count)]);
            const unread = read(joined, 0, joined.length);
            rest = unread < joined.length ? joined.subarray(unread) : null;
          }
          socket.uncork();
        },
      },
    });
    socket.once('connect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.once('error', reject);
    socket.once('close', () => {
      if (upgraded) onClose?.();
    });
  });
}
