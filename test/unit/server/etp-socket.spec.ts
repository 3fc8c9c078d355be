import { autoCodec } from '../../../src/protocol/codec.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { EtpConnectionClosedError } from '../../../src/protocol/errors.js';
import { Backpressure } from '../../../src/server/backpressure.js';
import type { SocketHost } from '../../../src/server/socket-host.js';
import { EtpSocket } from '../../../src/server/etp-socket.js';
import type { EtpHandshake } from '../../../src/server/handshake.js';
import type { ServerWebSocket } from '../../../src/server/server-websocket.js';
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js';

/** The `ws` side of a socket: records what is written, closes when told. */
class FakeWebSocket implements ServerWebSocket {
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

function socketOn(): { socket: EtpSocket; ws: FakeWebSocket } {
  const ws = new FakeWebSocket();
  return { socket: new EtpSocket(ws, {} as EtpHandshake, host), ws };
}

function end(socket: EtpSocket, code: number, reason = '', error?: Error): void {
  if (error !== undefined) socket.handleError(error);
  socket.handleClose(code, Buffer.from(reason));
}

describe('EtpSocket', () => {
  test('emits text frames as text messages while open, and nothing once closed', () => {
    const { socket, ws } = socketOn();
    expect(socket.emit('hi', { a: 1 })).toBe(true);
    expect(ws.sent).toEqual([{ data: 'hi||0||{"a":1}', binary: false }]);
    ws.readyState = 3;
    expect(socket.emit('hi')).toBe(false);
    expect(ws.sent).toHaveLength(1);
  });

  test('a close by the peer is "client closed", with its code and text', () => {
    const { socket } = socketOn();
    end(socket, 1000, 'bye');
    expect(socket.disconnectReason).toBe(EtpDisconnectReason.ClientClosed);
    expect(socket.closeCode).toBe(1000);
    expect(socket.closeReason).toBe('bye');
    expect(socket.closeError).toBeUndefined();
    expect(socket.isNormalClose()).toBe(true);
  });

  test('close() makes it "server closed"; an end without a close frame "transport error"', () => {
    const closed = socketOn();
    closed.socket.close(4000, 'go');
    expect(closed.ws.closedWith).toEqual({ code: 4000, reason: 'go' });
    end(closed.socket, 4000, 'go');
    expect(closed.socket.disconnectReason).toBe(EtpDisconnectReason.ServerClosed);

    const lost = socketOn();
    end(lost.socket, 1006);
    expect(lost.socket.disconnectReason).toBe(EtpDisconnectReason.TransportError);
    expect(lost.socket.closeReason).toBeUndefined();
  });

  test('a message over maxPayload is "message too big" with 1009, whatever code ws reports', () => {
    const { socket } = socketOn();
    const tooBig = Object.assign(new RangeError('Max payload size exceeded'), {
      code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    });
    end(socket, 1006, '', tooBig);
    expect(socket.disconnectReason).toBe(EtpDisconnectReason.MessageTooBig);
    expect(socket.closeCode).toBe(1009);
    expect(socket.closeError).toBe(tooBig);
  });

  test('a peer dropped by the heartbeat is "heartbeat timeout"', () => {
    const { socket, ws } = socketOn();
    socket.expireHeartbeat();
    expect(ws.terminated).toBe(true);
    end(socket, 1006);
    expect(socket.disconnectReason).toBe(EtpDisconnectReason.HeartbeatTimeout);
  });

  test('the close fields cannot be written from outside', () => {
    const { socket } = socketOn();
    end(socket, 1000);
    const writable = socket as unknown as Record<string, unknown>;
    for (const field of ['closeCode', 'closeReason', 'closeError', 'disconnectReason']) {
      expect(() => (writable[field] = 1)).toThrow(TypeError);
    }
    expect(socket.closeCode).toBe(1000);
  });

  test('the end rejects waiting requests with the reason, then runs the close listeners', async () => {
    const { socket, ws } = socketOn();
    const order: string[] = [];
    const waiting = socket.emitWithAck('ask', 1).catch((error: unknown) => {
      order.push('rejected');
      throw error;
    });
    socket.onClose(() => order.push('listener'));
    expect(ws.sent).toEqual([{ data: 'ask||1||1', binary: false }]);
    end(socket, 1006);
    await expect(waiting).rejects.toThrow(
      new EtpConnectionClosedError('ask', EtpDisconnectReason.TransportError),
    );
    expect(order).toEqual(['listener', 'rejected']);
  });

  test('settles its own requests, and a pong answers its pings', async () => {
    const { socket, ws } = socketOn();
    const answer = socket.emitWithAck('ask');
    socket.settleAck(1, Buffer.from('"yes"'));
    await expect(answer).resolves.toBe('yes');
    const token = Buffer.from('round-01');
    socket.sendPing(token);
    const pong = socket.ping();
    expect(ws.pings).toBe(2);
    socket.handlePong();
    await expect(pong).resolves.toBeUndefined();
  });
});
