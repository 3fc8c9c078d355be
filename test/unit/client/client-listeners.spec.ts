import { ClientListeners } from '../../../src/client/client-listeners.js';
import { EtpDisconnectReason } from '../../../src/protocol/close.js';

describe('ClientListeners', () => {
  test('calls every listener of a kind, in the order they were added', () => {
    const calls: unknown[] = [];
    const listeners = new ClientListeners(() => undefined);
    listeners.connect.push((info) => calls.push(['connect 1', info.recovered]));
    listeners.connect.push(() => calls.push(['connect 2']));
    listeners.disconnect.push((reason, info) => calls.push(['disconnect', reason, info.closeCode]));
    listeners.error.push((error) => calls.push(['error', error.message]));

    listeners.connected({ recovered: true });
    listeners.disconnected(EtpDisconnectReason.ServerClosed, {
      reason: EtpDisconnectReason.ServerClosed,
      closeCode: 1000,
      closeReason: undefined,
      error: undefined,
    });
    listeners.failed(new Error('bad frame'));
    expect(calls).toEqual([
      ['connect 1', true],
      ['connect 2'],
      ['disconnect', 'server closed', 1000],
      ['error', 'bad frame'],
    ]);
  });

  test('a listener that throws is reported, and the others still run', () => {
    const reported: unknown[] = [];
    const ran: string[] = [];
    const listeners = new ClientListeners((error) => reported.push(error));
    listeners.error.push(() => {
      throw new Error('faulty hook');
    });
    listeners.error.push(() => {
      // Not an Error: what a hook throws is whatever it throws.
      throw 'a string';
    });
    listeners.error.push(() => ran.push('last'));
    expect(() => listeners.failed(new Error('x'))).not.toThrow();
    expect(ran).toEqual(['last']);
    expect(reported).toEqual([new Error('faulty hook'), 'a string']);
  });

  test('with no listeners nothing happens', () => {
    const listeners = new ClientListeners(() => {
      throw new Error('never');
    });
    expect(() => listeners.connected({ recovered: false })).not.toThrow();
  });
});
