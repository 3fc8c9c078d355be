import { ACK_PREFIX, AckIdSequence, ackEventOf, isAckEvent } from '../../../src/protocol/ack.js';

describe('ack naming', () => {
  test('the answer to an event is __ack_ and the event name', () => {
    expect(ACK_PREFIX).toBe('__ack_');
    expect(ackEventOf('echo')).toBe('__ack_echo');
    expect(ackEventOf('')).toBe('__ack_');
  });

  test('an event is an answer when its name starts with the prefix, anywhere else it is not', () => {
    expect(isAckEvent('__ack_echo')).toBe(true);
    expect(isAckEvent('__ack_')).toBe(true);
    expect(isAckEvent('echo__ack_')).toBe(false);
    expect(isAckEvent('__ACK_echo')).toBe(false);
    expect(isAckEvent('')).toBe(false);
  });
});

describe('AckIdSequence', () => {
  test('counts 1, 2, 3 … as the reference does, never 0', () => {
    const ids = new AckIdSequence();
    expect([ids.next(), ids.next(), ids.next()]).toEqual([1, 2, 3]);
  });

  test('after the largest exact integer it starts again at 1', () => {
    const ids = new AckIdSequence();
    (ids as unknown as { last: number }).last = Number.MAX_SAFE_INTEGER - 1;
    expect(ids.next()).toBe(Number.MAX_SAFE_INTEGER);
    expect(ids.next()).toBe(1);
  });
});
