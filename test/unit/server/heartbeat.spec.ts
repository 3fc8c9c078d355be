import { jest } from '@jest/globals';
import { Heartbeat, type HeartbeatPeer } from '../../../src/server/heartbeat.js';
import { PAUSED_FOR_BUDGET, ReadPause } from '../../../src/server/read-pause.js';

/**
 * The part of a socket the heartbeat uses; `answers` says whether its peer pongs, and `echo`
 * what its pong carries (by default the ping's token).
 */
class FakeSocket implements HeartbeatPeer {
  heartbeat: Heartbeat<FakeSocket> | undefined;
  pings = 0;
  expired = false;
  readonly reading = new ReadPause({ isPaused: false, pause() {}, resume() {} });

  constructor(
    private readonly answers: boolean,
    private readonly echo?: (token: Buffer) => Buffer[],
  ) {}

  sendPing(token: Buffer): void {
    this.pings++;
    if (!this.answers) return;
    const pongs = this.echo?.(token) ?? [Buffer.from(token)];
    queueMicrotask(() => {
      for (const pong of pongs) this.heartbeat!.pong(this, pong);
    });
  }

  readingHeldFor(reason: number): boolean {
    return this.reading.isPausedFor(reason);
  }

  expireHeartbeat(): void {
    this.expired = true;
  }
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function heartbeatOf(...sockets: FakeSocket[]): Heartbeat<FakeSocket> {
  const map = new Map(sockets.map((socket, at) => [String(at), socket]));
  const heartbeat = new Heartbeat(map, 1_000, 300);
  for (const socket of sockets) socket.heartbeat = heartbeat;
  return heartbeat;
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
    throttled.reading.pauseFor(PAUSED_FOR_BUDGET);
    const heartbeat = heartbeatOf(throttled);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_300);
    expect([throttled.pings, throttled.expired]).toEqual([1, false]);
    throttled.reading.resumeFrom(PAUSED_FOR_BUDGET);
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

  test('only a pong echoing the round token keeps a peer', async () => {
    const stale = new FakeSocket(true, () => [Buffer.alloc(0), Buffer.from('round-01')]);
    const echoing = new FakeSocket(true, (token) => [Buffer.from('round-01'), token]);
    const heartbeat = heartbeatOf(stale, echoing);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_300);
    expect(stale.expired).toBe(true);
    expect(echoing.expired).toBe(false);
    heartbeat.stop();
  });

  test('a peer that connects during a round is not waited for until the next', async () => {
    const sockets = new Map<string, FakeSocket>();
    const heartbeat = new Heartbeat(sockets, 1_000, 300);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_000);
    const late = new FakeSocket(false);
    sockets.set('late', late);
    await jest.advanceTimersByTimeAsync(300);
    expect([late.pings, late.expired]).toEqual([0, false]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect([late.pings, late.expired]).toEqual([1, true]);
    heartbeat.stop();
  });

  test('a peer whose connection ended is waited for no more', async () => {
    const silent = new FakeSocket(false);
    const heartbeat = heartbeatOf(silent);
    heartbeat.start();
    await jest.advanceTimersByTimeAsync(1_000);
    heartbeat.forget(silent);
    await jest.advanceTimersByTimeAsync(300);
    expect(silent.expired).toBe(false);
    heartbeat.stop();
  });
});
