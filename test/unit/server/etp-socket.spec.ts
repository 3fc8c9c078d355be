import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { EtpConnectionClosedError } from '../../../src/protocol/errors.js';
import { end, socketOn } from './support/fake-socket.js';

describe('EtpSocket', () => {
  test('emits text frames as text messages while open, and nothing once closed', () => {
    const { socket, ws } = socketOn();
    expect(socket.emit('hi', { a: 1 })).toBe(true);
    expect(ws.sent).toEqual([{ data: 'hi||0||{"a":1}', binary: false }]);
    ws.readyState = 3;
    expect(socket.emit('hi')).toBe(false);
    expect(ws.sent).toHaveLength(1);
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
