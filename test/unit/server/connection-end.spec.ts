import { EtpDisconnectReason } from '../../../src/protocol/close.js';
import { explainConnectionEnd } from '../../../src/server/connection-end.js';

const none = { slowConsumer: false, heartbeatExpired: false, closedByServer: false };
const text = (value = ''): Buffer => Buffer.from(value);

describe('explainConnectionEnd', () => {
  test('a peer that closed is "client closed", with its code and text', () => {
    expect(explainConnectionEnd(none, 1000, text('bye'), undefined)).toEqual({
      code: 1000,
      text: 'bye',
      reason: EtpDisconnectReason.ClientClosed,
    });
  });

  test('what the server did comes first, and its close code is the one the peer was sent', () => {
    const slow = { ...none, slowConsumer: true, closedByServer: true };
    expect(explainConnectionEnd(slow, 1006, text(), undefined)).toEqual({
      code: 1008,
      text: undefined,
      reason: EtpDisconnectReason.SlowConsumer,
    });
    expect(
      explainConnectionEnd({ ...none, heartbeatExpired: true }, 1006, text(), undefined).reason,
    ).toBe(EtpDisconnectReason.HeartbeatTimeout);
    expect(
      explainConnectionEnd({ ...none, closedByServer: true }, 1001, text(), undefined).reason,
    ).toBe(EtpDisconnectReason.ServerClosed);
  });

  test('too big a message is 1009, whatever ws reported locally', () => {
    const error = Object.assign(new Error('too big'), {
      code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    });
    expect(explainConnectionEnd(none, 1006, text(), error)).toMatchObject({
      code: 1009,
      reason: EtpDisconnectReason.MessageTooBig,
    });
  });

  test('an end without a close frame, or after an error, is a transport error', () => {
    expect(explainConnectionEnd(none, 1006, text(), undefined).reason).toBe(
      EtpDisconnectReason.TransportError,
    );
    expect(explainConnectionEnd(none, 1000, text(), new Error('reset')).reason).toBe(
      EtpDisconnectReason.TransportError,
    );
  });
});
