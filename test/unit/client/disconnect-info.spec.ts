import { disconnectInfo } from '../../../src/client/disconnect-info.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';

describe('disconnectInfo', () => {
  test('a close the client did not start is the server’s, with its code and text', () => {
    expect(disconnectInfo(4001, 'kicked', undefined, undefined)).toEqual({
      reason: EtpDisconnectReason.ServerClosed,
      closeCode: 4001,
      closeReason: 'kicked',
      error: undefined,
    });
  });

  test('what the client did itself comes first', () => {
    const info = disconnectInfo(1000, '', EtpDisconnectReason.HeartbeatTimeout, undefined);
    expect(info.reason).toBe(EtpDisconnectReason.HeartbeatTimeout);
    expect(info.closeReason).toBeUndefined();
  });

  test('an error or a close without a close frame (1006) is a transport error', () => {
    const error = new Error('ECONNRESET');
    expect(disconnectInfo(1000, '', undefined, error)).toMatchObject({
      reason: EtpDisconnectReason.TransportError,
      error,
    });
    expect(disconnectInfo(1006, '', undefined, undefined).reason).toBe(
      EtpDisconnectReason.TransportError,
    );
  });

  test('1009 from the server is a message too big, recorded as 1009', () => {
    expect(disconnectInfo(1009, 'too big', undefined, undefined)).toMatchObject({
      reason: EtpDisconnectReason.MessageTooBig,
      closeCode: 1009,
    });
  });

  test('a message too big of the client’s own is recorded as 1009, not the local 1006', () => {
    expect(
      disconnectInfo(1006, '', EtpDisconnectReason.MessageTooBig, new Error('too big')),
    ).toMatchObject({ reason: EtpDisconnectReason.MessageTooBig, closeCode: 1009 });
  });
});
