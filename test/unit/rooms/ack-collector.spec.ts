import { jest } from '@jest/globals';
import { AckCollector } from '../../../src/rooms/ack-collector.js';
import { EtpAckTimeoutError } from '../../../src/protocol/errors.js';

afterEach(() => {
  jest.useRealTimers();
});

/** Whether the promise has settled, without waiting for it. */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'done'> {
  const marker = Symbol('pending');
  const first = await Promise.race([
    promise.then(
      () => 'done',
      () => 'done',
    ),
    Promise.resolve(marker),
  ]);
  return first === marker ? 'pending' : 'done';
}

describe('AckCollector', () => {
  test('resolves with every answer once each expected member answered', async () => {
    const collector = new AckCollector('vote', 0);
    collector.expect(2);
    collector.answer('yes');
    expect(await stateOf(collector.promise)).toBe('pending');
    collector.answer('no');
    await expect(collector.promise).resolves.toEqual(['yes', 'no']);
  });

  test('with no member it resolves at the first check, empty', async () => {
    const collector = new AckCollector('vote', 0);
    collector.check();
    await expect(collector.promise).resolves.toEqual([]);
  });

  test('waits while a source is held, and counts what it then expects', async () => {
    const collector = new AckCollector('vote', 0);
    collector.hold();
    collector.check();
    expect(await stateOf(collector.promise)).toBe('pending');
    collector.answer('early');
    collector.unhold(2);
    expect(await stateOf(collector.promise)).toBe('pending');
    collector.answer('late');
    await expect(collector.promise).resolves.toEqual(['early', 'late']);
  });

  test('a member that is gone is no longer waited for', async () => {
    const collector = new AckCollector('vote', 0);
    collector.expect(3);
    collector.answer('a');
    collector.gone(2);
    await expect(collector.promise).resolves.toEqual(['a']);
  });

  test('a member that missed its answer rejects it with the answers that came', async () => {
    const collector = new AckCollector('vote', 0);
    collector.expect(2);
    collector.answer('a');
    collector.miss();
    const error = await collector.promise.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(EtpAckTimeoutError);
    expect((error as EtpAckTimeoutError).responses).toEqual(['a']);
  });

  test('the deadline rejects with the answers so far; later answers change nothing', async () => {
    jest.useFakeTimers();
    const collector = new AckCollector('vote', 1_000);
    collector.expect(2);
    collector.answer('a');
    jest.advanceTimersByTime(1_000);
    collector.answer('b');
    const error = (await collector.promise.catch(
      (reason: unknown) => reason,
    )) as EtpAckTimeoutError;
    expect(error).toBeInstanceOf(EtpAckTimeoutError);
    expect([error.event, error.timeout, error.responses]).toEqual(['vote', 1_000, ['a']]);
  });

  test('abort rejects with its error, once; a completed collector ignores it', async () => {
    const aborted = new AckCollector('vote', 0);
    aborted.abort(new Error('instances unreachable'));
    aborted.abort(new Error('second'));
    await expect(aborted.promise).rejects.toThrow('instances unreachable');

    const done = new AckCollector('vote', 0);
    done.check();
    done.abort(new Error('too late'));
    await expect(done.promise).resolves.toEqual([]);
  });

  test('resolving clears the deadline timer', async () => {
    jest.useFakeTimers();
    const collector = new AckCollector('vote', 1_000);
    collector.expect(1);
    collector.answer('a');
    expect(jest.getTimerCount()).toBe(0);
    await expect(collector.promise).resolves.toEqual(['a']);
  });
});
