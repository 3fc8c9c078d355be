import {
  DisconnectReason,
  EtpClose,
  EtpDisconnectReason,
  explainClose,
  isNormalClose,
  recordedCloseCode,
} from '../../../src/protocol/close.js';

describe('explainClose', () => {
  const { ClientClosed, ServerClosed, HeartbeatTimeout, TransportError } = EtpDisconnectReason;

  test("this side's own reason wins over the code and any error", () => {
    expect(explainClose(HeartbeatTimeout, 1006, new Error('x'), ClientClosed)).toBe(
      HeartbeatTimeout,
    );
  });

  test('an error, or an end without a close frame, is a transport error', () => {
    expect(explainClose(undefined, 1000, new Error('x'), ClientClosed)).toBe(TransportError);
    expect(explainClose(undefined, 1006, undefined, ServerClosed)).toBe(TransportError);
  });

  test('anything else is an orderly close by the peer', () => {
    expect(explainClose(undefined, 1000, undefined, ClientClosed)).toBe(ClientClosed);
    expect(explainClose(undefined, 4000, undefined, ServerClosed)).toBe(ServerClosed);
  });
});

describe('isNormalClose', () => {
  test('accepts 1000, 1001 and 1005, from a code or anything carrying one', () => {
    expect([1000, 1001, 1005].map((code) => isNormalClose(code))).toEqual([true, true, true]);
    expect([1002, 1006, 1009, 1011, 4000].map((code) => isNormalClose(code))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isNormalClose({ closeCode: 1001 })).toBe(true);
    expect(isNormalClose({ closeCode: undefined })).toBe(false);
    expect(isNormalClose(undefined)).toBe(false);
  });
});

test('DisconnectReason is the same object as EtpDisconnectReason', () => {
  expect(DisconnectReason).toBe(EtpDisconnectReason);
});

describe('EtpClose', () => {
  test('no two statuses this side sends share a code and a text', () => {
    const keys = Object.values(EtpClose).map(({ code, reason }) => `${code} ${reason}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('a connection is recorded with the code its own reason chose, else the one it carried', () => {
    expect(recordedCloseCode(EtpDisconnectReason.MessageTooBig, 1006)).toBe(1009);
    expect(recordedCloseCode(EtpDisconnectReason.SlowConsumer, 1006)).toBe(1008);
    expect(recordedCloseCode(EtpDisconnectReason.ServerClosed, 1001)).toBe(1001);
  });
});
