import WebSocket from 'ws';
import { CLOSE_MESSAGE_TOO_BIG, WS_MESSAGE_TOO_BIG } from '../protocol/close.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

export interface WsTransportOptions {
  headers?: Readonly<Record<string, string>>;
  maxPayload: number;
}

/** The client transport over `ws`; the read limit is enforced by `ws` before buffering. */
export function createWsTransport(
  url: string,
  options: WsTransportOptions,
  listener: ClientTransportListener,
): ClientTransport {
  const ws = new WebSocket(url, {
    headers: options.headers as Record<string, string> | undefined,
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
  });
  let tooBig = false;
  ws.on('open', () => listener.open());
  ws.on('message', (data: Buffer) => listener.message(data));
  ws.on('pong', () => listener.pong());
  ws.on('error', (error: Error & { code?: string }) => {
    if (error.code === WS_MESSAGE_TOO_BIG) tooBig = true;
    listener.error(error);
  });
  ws.once('close', (code: number, reason: Buffer) =>
    listener.close(
      tooBig ? CLOSE_MESSAGE_TOO_BIG : code,
      reason.length > 0 ? reason.toString('utf8') : '',
    ),
  );
  return {
    send(frame) {
      // ws would drop a message sent while closing without a word.
      if (ws.readyState !== WebSocket.OPEN) throw new Error('The connection is closing');
      ws.send(frame, typeof frame === 'string' ? TEXT : BINARY);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    terminate() {
      ws.terminate();
    },
    ping: () => ws.ping(),
  };
}
