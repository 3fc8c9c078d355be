import {
  EtpConnectError,
  EtpHandlerError,
  EtpUnknownEventError,
  isPeerReport,
  logLevelOf,
} from '../../../src/client/errors.js';
import { EtpFrameError, EtpPayloadError } from '../../../src/protocol/errors.js';

describe('client errors', () => {
  test('EtpConnectError names the URL and why, and keeps a cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new EtpConnectError('ws://h/ws', 'refused', { cause });
    expect(error.name).toBe('EtpConnectError');
    expect(error.url).toBe('ws://h/ws');
    expect(error.message).toBe('Cannot connect to ws://h/ws: refused');
    expect(error.cause).toBe(cause);
  });

  test('EtpUnknownEventError names the event', () => {
    const error = new EtpUnknownEventError('stray');
    expect(error.name).toBe('EtpUnknownEventError');
    expect(error.event).toBe('stray');
    expect(error.message).toContain('"stray"');
  });

  test('EtpHandlerError carries the cause, an Error or any thrown value', () => {
    const error = new EtpHandlerError('news', { cause: new Error('boom') });
    expect(error.name).toBe('EtpHandlerError');
    expect(error.message).toBe('Handler of ETP event "news" failed: boom');
    expect(new EtpHandlerError('news', { cause: undefined }).message).toMatch(/: undefined$/);
    expect(new EtpHandlerError('news', { cause: { code: 1 } }).message).toMatch(
      /: \[object Object\]$/,
    );
  });

  test('a failing handler logs as an error, an unknown event as debug, anything else as a warning', () => {
    expect(logLevelOf(new EtpHandlerError('e', { cause: 1 }))).toBe('error');
    expect(logLevelOf(new EtpUnknownEventError('e'))).toBe('debug');
    expect(logLevelOf(new EtpFrameError('r', Buffer.alloc(0)))).toBe('warn');
    expect(logLevelOf(new Error('other'))).toBe('warn');
  });

  test('what the peer caused (bad frame, bad payload, unknown event) is a peer report', () => {
    expect(isPeerReport(new EtpFrameError('r', Buffer.alloc(0)))).toBe(true);
    expect(isPeerReport(new EtpPayloadError('e', { cause: 1 }))).toBe(true);
    expect(isPeerReport(new EtpUnknownEventError('e'))).toBe(true);
    expect(isPeerReport(new EtpHandlerError('e', { cause: 1 }))).toBe(false);
    expect(isPeerReport(new EtpConnectError('u', 'r'))).toBe(false);
  });
});
