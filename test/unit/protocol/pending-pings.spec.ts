import { jest } from '@jest/globals';
import { PendingPings } from '../../../src/protocol/pending-pings.js';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('PendingPings', () => {
  test('sends a ping per wait, and one pong answers every waiting ping', async () => {
    const pings = new PendingPings();
    let sent = 0;
    const waiting = [pings.wait(100, () => sent++), pings.wait(0, () => sent++)];
    expect(sent).toBe(2);
    pings.settle();
    await expect(Promise.all(waiting)).resolves.toEqual([undefined, undefined]);
    jest.advanceTimersByTime(1_000);
  });

  test('a ping without a pong fails at its timeout, and a later pong does not answer it', async () => {
    const pings = new PendingPings();
    const late = pings.wait(100, () => undefined);
    jest.advanceTimersByTime(100);
    await expect(late).rejects.toThrow('No pong within 100 ms');
    const next = pings.wait(100, () => undefined);
    pings.settle();
    await expect(next).resolves.toBeUndefined();
  });

  test('after clear, a pong answers nothing: the waiting pings fail at their timeout', async () => {
    const pings = new PendingPings();
    const orphan = pings.wait(50, () => undefined);
    pings.clear();
    pings.settle();
    jest.advanceTimersByTime(50);
    await expect(orphan).rejects.toThrow('No pong within 50 ms');
  });
});
