import { jest } from '@jest/globals';
import { EventBudget } from '../../../src/server/event-budget.js';
import { PAUSED_FOR_BUDGET, ReadPause } from '../../../src/server/read-pause.js';

/** A ws WebSocket as far as pausing goes. */
class FakeSocket {
  isPaused = false;
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Spends one token per message as the message listener does. */
function receive(budget: EventBudget, messages: number): void {
  for (let i = 0; i < messages; i++) {
    if (--budget.tokens < 0) budget.overdrawn();
  }
}

function budgetOf(perSecond: number): { budget: EventBudget; ws: FakeSocket; reading: ReadPause } {
  const ws = new FakeSocket();
  const reading = new ReadPause(ws);
  return { budget: new EventBudget(perSecond, reading), ws, reading };
}

describe('EventBudget', () => {
  test('a burst of a twentieth of a second passes; the next message stops reading', () => {
    const { budget, ws } = budgetOf(1_000);
    receive(budget, 50);
    expect(ws.isPaused).toBe(false);
    receive(budget, 1);
    expect(ws.isPaused).toBe(true);
  });

  test('reading resumes once the debt is repaid, refilled by the time elapsed', async () => {
    const { budget, ws } = budgetOf(1_000);
    receive(budget, 50 + 100); // the burst, then 100 messages read before the pause took hold
    expect(ws.isPaused).toBe(true);
    await jest.advanceTimersByTimeAsync(99);
    expect(ws.isPaused).toBe(true);
    await jest.advanceTimersByTimeAsync(2);
    expect(ws.isPaused).toBe(false);
  });

  test('refills smoothly: a peer at the rate is never stopped, one just above it is', async () => {
    const steady = budgetOf(1_000);
    const faster = budgetOf(1_000);
    for (let ms = 0; ms < 2_000; ms++) {
      receive(steady.budget, 1);
      receive(faster.budget, ms % 10 === 0 ? 2 : 1);
      expect(steady.ws.isPaused).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
    }
    expect(faster.reading.isPausedFor(PAUSED_FOR_BUDGET)).toBe(true);
  });

  test('an idle peer saves up no more than twice the burst', async () => {
    const { budget, ws } = budgetOf(1_000);
    await jest.advanceTimersByTimeAsync(60_000);
    receive(budget, 2 * 50 + 1);
    expect(ws.isPaused).toBe(false);
    receive(budget, 1);
    expect(ws.isPaused).toBe(true);
  });

  test('stop() cancels the wait of a connection that ended', async () => {
    const { budget, reading } = budgetOf(10);
    receive(budget, 5);
    expect(jest.getTimerCount()).toBe(1);
    budget.stop();
    expect(jest.getTimerCount()).toBe(0);
    expect(reading.isPausedFor(PAUSED_FOR_BUDGET)).toBe(true);
  });
});
