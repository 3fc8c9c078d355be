import { WEBSOCKET_OPEN } from '../protocol/close.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';

/** The parts of the WebSocket API (the browser's, or `ws`'s, which implements it) in use. */
export interface EtpWebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

export type EtpWebSocketConstructor = new (url: string) => EtpWebSocketLike;

/** Any constructor implementing the WebSocket API: the browser's `WebSocket`, or `ws`'s. */
export type EtpWebSocketClass = new (url: string) => object;

const encoder = new TextEncoder();

/**
 * Browsers may only send close status 1000 or 3000–4999: another status (1009 when a message
 * is too big) goes out as 4000 + (status − 1000), e.g. 4009.
 */
function browserCloseCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 4000 + (code - 1000);
}

/** The client transport over the WebSocket API; text messages are read as their UTF-8 bytes. */
export function createBrowserTransport(
  WebSocketImpl: EtpWebSocketConstructor,
  url: string,
  listener: ClientTransportListener,
): ClientTransport {
  const ws = new WebSocketImpl(url);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => listener.open();
  ws.onmessage = (event) => {
    const data = event.data;
    if (typeof data === 'string') {
      listener.message(encoder.encode(data));
    } else if (ArrayBuffer.isView(data)) {
      listener.message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else {
      // binaryType 'arraybuffer'; no instanceof, which fails for a buffer of another realm.
      listener.message(new Uint8Array(data as ArrayBuffer));
    }
  };
  ws.onerror = () => listener.error(new Error('WebSocket error'));
  ws.onclose = (event) => listener.close(event.code, event.reason);
  let closing = false;
  return {
    send(frame) {
      // A WebSocket discards what is sent while it closes, without an error.
      if (ws.readyState !== WEBSOCKET_OPEN) throw new Error('The connection is closing');
      ws.send(frame);
    },
    close(code, reason) {
      closing = true;
      ws.close(browserCloseCode(code), reason);
    },
    terminate() {
      // The WebSocket API has no abrupt close: stop listening and report the end at once.
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (!closing) ws.close(1000);
      closing = true;
      listener.close(1006, '');
    },
    ping: undefined,
  };
}
