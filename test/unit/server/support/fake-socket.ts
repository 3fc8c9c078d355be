import { autoCodec } from '../../../../src/protocol/codec.js';
import { Backpressure } from '../../../../src/server/backpressure.js';
import type { SocketHost } from '../../../../src/server/socket-host.js';
import { EtpSocket } from '../../../../src/server/etp-socket.js';
import type { EtpHandshake } from '../../../../src/server/handshake.js';
import type { ServerWebSocket } from '../../../../src/server/server-websocket.js';
import { createGatewayMetrics } from '../../../../src/metrics/gateway-metrics.js';

/** The `ws` side of a socket: records what is written, closes when told. */
export class FakeWebSocket implements ServerWebSocket {
  readyState = 1;
  bufferedAmount = 0;
  isPaused = false;
  readonly sent: Array<{ data: string | Uint8Array; binary: boolean }> = [];
  pings = 0;
  closedWith: { code?: number; reason?: string } | undefined;
  terminated = false;

  send(data: string | Uint8Array, options: { readonly binary: boolean }): void {
    this.sent.push({ data, binary: options.binary });
  }

  ping(): void {
    this.pings++;
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 2;
  }
}

const metrics = createGatewayMetrics(undefined, new Map(), false);
const host: SocketHost<EtpSocket> = {
  codec: autoCodec,
  ackTimeout: 1_000,
  backpressure: new Backpressure(4 * 1024 * 1024, 1024 * 1024, () => undefined),
  closing: () => undefined,
  roomsOf: () => new Set(),
  ackFailed: metrics.ackFailed,
};

export function socketOn(): { socket: EtpSocket; ws: FakeWebSocket } {
  const ws = new FakeWebSocket();
  return { socket: new EtpSocket(ws, {} as EtpHandshake, host), ws };
}

export function end(socket: EtpSocket, code: number, reason = '', error?: Error): void {
  if (error !== undefined) socket.handleError(error);
  socket.handleClose(code, Buffer.from(reason));
}
