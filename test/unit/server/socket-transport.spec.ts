import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { end, socketOn } from './support/fake-socket.js';

// The transport is abstract: it is tested through EtpSocket, the class that extends it.
describe('SocketTransport', () => {
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

  test('a backlog past maxBufferedBytes drops the peer at once as a slow consumer, once', () => {
    const { socket, ws } = socketOn();
    ws.bufferedAmount = 5 * 1024 * 1024;
    expect(socket.emit('big', 'x')).toBe(true);
    expect(ws.closedWith).toEqual({ code: 1008, reason: 'slow consumer' });
    expect(ws.terminated).toBe(true);
    expect(socket.droppedAsSlowConsumer).toBe(true);
    end(socket, 1006);
    expect(socket.disconnectReason).toBe(EtpDisconnectReason.SlowConsumer);
    expect(socket.closeCode).toBe(1008);
  });

  test('one close listener or several, each told the reason once', () => {
    const { socket } = socketOn();
    const told: string[] = [];
    socket.onClose((reason) => told.push(`first ${reason}`));
    socket.onClose((reason) => told.push(`second ${reason}`));
    socket.onClose((reason) => told.push(`third ${reason}`));
    end(socket, 1000);
    end(socket, 1000);
    expect(told).toEqual(['first client closed', 'second client closed', 'third client closed']);
  });
});
