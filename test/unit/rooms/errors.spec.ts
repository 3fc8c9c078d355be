import {
  EtpBroadcastTooLargeError,
  EtpRoomLimitError,
  EtpRoomNameError,
} from '../../../src/rooms/errors.js';

describe('rooms errors', () => {
  test('EtpRoomLimitError names the socket and the limit', () => {
    const error = new EtpRoomLimitError('a'.repeat(32), 10);
    expect(error.name).toBe('EtpRoomLimitError');
    expect([error.socketId, error.limit]).toEqual(['a'.repeat(32), 10]);
    expect(error.message).toContain('more than 10 rooms (maxRoomsPerSocket)');
  });

  test('EtpRoomNameError names the refused room', () => {
    const error = new EtpRoomNameError('0123456789abcdef0123456789abcdef');
    expect(error.name).toBe('EtpRoomNameError');
    expect(error.room).toBe('0123456789abcdef0123456789abcdef');
    expect(error.message).toContain('shape of a socket id');
  });

  test('EtpBroadcastTooLargeError keeps the whole event but shows at most 100 characters of it', () => {
    const event = 'e'.repeat(500);
    const error = new EtpBroadcastTooLargeError(event, 2_000_000, 1_000_000);
    expect(error.name).toBe('EtpBroadcastTooLargeError');
    expect([error.event, error.bytes, error.limit]).toEqual([event, 2_000_000, 1_000_000]);
    expect(error.message).toContain(`"${'e'.repeat(100)}" is 2000000 bytes`);
    expect(error.message).not.toContain('e'.repeat(101));
  });
});
