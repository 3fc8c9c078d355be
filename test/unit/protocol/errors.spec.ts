import {
  EtpAckTimeoutError,
  EtpConnectionClosedError,
  EtpFrameError,
  EtpPayloadError,
} from '../../../src/protocol/errors.js';

describe('protocol errors', () => {
  test('EtpFrameError shows the first 64 bytes of the message, quoted, and marks a cut', () => {
    const short = new EtpFrameError('no "||" delimiter in the message', Buffer.from('hello'));
    expect(short.name).toBe('EtpFrameError');
    expect(short.preview).toBe('hello');
    expect(short.message).toBe('Malformed ETP frame: no "||" delimiter in the message ("hello")');

    const long = new EtpFrameError('bad', Buffer.from('x'.repeat(100)));
    expect(long.preview).toBe('x'.repeat(64));
    expect(long.message.endsWith(`"${'x'.repeat(64)}"…)`)).toBe(true);
  });

  test('EtpFrameError quotes control characters and quotes of the peer, never raw', () => {
    const error = new EtpFrameError('bad', Buffer.from('a"\n\u0000b'));
    expect(error.message).toContain('"a\\"\\n\\u0000b"');
    expect(error.message).not.toContain('\n');
  });

  test('EtpPayloadError names the event and the cause, and keeps the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new EtpPayloadError('echo', { cause });
    expect(error.name).toBe('EtpPayloadError');
    expect(error.event).toBe('echo');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Payload of event "echo" cannot be decoded: Unexpected token');
    expect(new EtpPayloadError('e', { cause: 42 }).message).toMatch(/: 42$/);
  });

  test('EtpAckTimeoutError holds the event, the timeout and the answers that came', () => {
    const error = new EtpAckTimeoutError('vote', 2000, ['yes']);
    expect(error.name).toBe('EtpAckTimeoutError');
    expect([error.event, error.timeout, error.responses]).toEqual(['vote', 2000, ['yes']]);
    expect(error.message).toBe('No acknowledgement for event "vote" within 2000 ms');
    expect(new EtpAckTimeoutError('vote', 5).responses).toEqual([]);
  });

  test('EtpConnectionClosedError says why, the closed connection by default', () => {
    expect(new EtpConnectionClosedError('ask').message).toBe(
      'Event "ask" failed: the connection is closed',
    );
    const error = new EtpConnectionClosedError('ask', 'server closed');
    expect(error.name).toBe('EtpConnectionClosedError');
    expect(error.event).toBe('ask');
    expect(error.message).toBe('Event "ask" failed: server closed');
  });

  test('each is an Error and an instance of its own class', () => {
    for (const error of [
      new EtpFrameError('r', Buffer.alloc(0)),
      new EtpPayloadError('e', { cause: null }),
      new EtpAckTimeoutError('e', 1),
      new EtpConnectionClosedError('e'),
    ]) {
      expect(error).toBeInstanceOf(Error);
      expect(error.stack).toBeDefined();
    }
  });
});
