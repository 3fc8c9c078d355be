import { jest } from '@jest/globals';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import { Heartbeat } from '../../../src/server/heartbeat.js';

/** The part of a socket the heartbeat uses; `answers` says whether its peer pongs. */
class FakeSocket {
  alive = true;
  pings = 0;
  expired = false;

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
