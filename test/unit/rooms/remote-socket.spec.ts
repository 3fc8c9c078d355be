import { EtpRemoteSocket, type SocketOperations } from '../../../src/rooms/remote-socket.js';

/** The operator of a socket id, recording what is asked of it. */
class RecordingOperator implements SocketOperations {
  readonly calls: unknown[][] = [];

  emit(event: string, data?: unknown): boolean {
    this.calls.push(['emit', event, data]);
    return true;
  }

  async socketsJoin(...rooms: string[]): Promise<void> {
    this.calls.push(['join', ...rooms]);
  }

  async socketsLeave(...rooms: string[]): Promise<void> {
    this.calls.push(['leave', ...rooms]);
  }

  async disconnectSockets(code?: number, reason?: string): Promise<void> {
    this.calls.push(['disconnect', code, reason]);
  }
}

describe('EtpRemoteSocket', () => {
  test('is its description: id and the rooms it was in when fetched, as a set', () => {
    const rooms = ['lobby', 'news', 'lobby'];
    const socket = new EtpRemoteSocket(new RecordingOperator(), { id: 'abc', rooms });
    expect(socket.id).toBe('abc');
    expect([...socket.rooms]).toEqual(['lobby', 'news']);
    rooms.push('later');
    expect(socket.rooms.has('later')).toBe(false);
  });

  test('acts through the operator of its id', async () => {
    const operator = new RecordingOperator();
    const socket = new EtpRemoteSocket(operator, { id: 'abc', rooms: [] });
    socket.emit('notice', { text: 'hi' });
    await socket.join('a', 'b');
    await socket.leave('a');
    await socket.disconnect();
    await socket.disconnect(4000, 'kicked');
    expect(operator.calls).toEqual([
      ['emit', 'notice', { text: 'hi' }],
      ['join', 'a', 'b'],
      ['leave', 'a'],
      ['disconnect', 1000, undefined],
      ['disconnect', 4000, 'kicked'],
    ]);
  });
});
