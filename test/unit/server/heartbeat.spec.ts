import { jest } from '@jest/globals';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import { Heartbeat } from '../../../src/server/heartbeat.js';
import { PAUSED_FOR_BUDGET, ReadPause } from '../../../src/server/read-pause.js';

/** The part of a socket the heartbeat uses; `answers` says whether its peer pongs. */
class FakeSocket {
  alive = true;
  pings = 0;
  expired = false;
  readonly reading = new ReadPause({ isPaused: false, pause() {}, resume() {} });

  constructor(private readonly answers: boolean) {}

  sendPing(): void {
    this.pings++;
    if (this.answers) queueMicrotask(() => (this.alive = true));
  }

  expireHeartbeat(): void {
    this.expired = true;
  }
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function heartbeatOf(...sockets: FakeSocket[]): Heartbeat {
  const map = new Map(sockets.map((socket, at) => [String(at), socket as unknown as EtpSocket]));
  return new Heartbeat(map, 1_000, 300);
}

describe('Heartbeat', () => {
  test('pings every connection each interval and drops those silent past the timeout', async () => {
    const answering = new FakeSocket(true);
    const silent = new FakeSocket(false);
    const heartbeat = heartbeatOf(answering, silent);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(999);
    expect([answering.pings, silent.pings]).toEqual([0, 0]);
    await jest.advanceTimersByTimeAsync(1);
    expect([answering.pings, silent.pings]).toEqual([1, 1]);
    await jest.advanceTimersByTimeAsync(299);
    expect(silent.expired).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(silent.expired).toBe(true);
    expect(answering.expired).toBe(false);
    await jest.advanceTimersByTimeAsync(700);
    expect(answering.pings).toBe(2);
    heartbeat.stop();
  });

  test('keeps a peer whose pong is unread because it is over its budget of events', async () => {
    const throttled = new FakeSocket(false);
    throttled.reading.hold(PAUSED_FOR_BUDGET);
    const heartbeat = heartbeatOf(throttled);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_300);
    expect([throttled.pings, throttled.expired]).toEqual([1, false]);
    throttled.reading.release(PAUSED_FOR_BUDGET);
    await jest.advanceTimersByTimeAsync(1_000);
    expect([throttled.pings, throttled.expired]).toEqual([2, true]);
    heartbeat.stop();
  });

  test('stop() ends the rounds and a pending deadline', async () => {
    const silent = new FakeSocket(false);
    const heartbeat = heartbeatOf(silent);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_000);
    heartbeat.stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(silent.pings).toBe(1);
    expect(silent.expired).toBe(false);
  });
});
