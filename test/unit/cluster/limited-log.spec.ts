import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import {
  BROKER_LOG_LINES,
  BROKER_LOG_WINDOW_MS,
  LimitedLog,
} from '../../../src/cluster/limited-log.js';

/** A logger that keeps what it was told, by level. */
function recordingLogger() {
  const lines: Array<[string, string]> = [];
  const logger = {
    error: (line: string) => lines.push(['error', line]),
    warn: (line: string) => lines.push(['warn', line]),
  } as unknown as Logger;
  return { logger, lines };
}

const summary = (count: number, seconds: number) => `${count} more in ${seconds}s`;

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('LimitedLog', () => {
  test('writes the first lines of a window at its level, then only counts', () => {
    const { logger, lines } = recordingLogger();
    const log = new LimitedLog(logger, 'warn', summary);
    for (let i = 1; i <= BROKER_LOG_LINES + 3; i++) log.report(() => `line ${i}`);
    expect(lines).toEqual(
      Array.from({ length: BROKER_LOG_LINES }, (_, i) => ['warn', `line ${i + 1}`]),
    );
  });

  test('builds a line only when it is written: a flood costs no string per report', () => {
    const { logger } = recordingLogger();
    const log = new LimitedLog(logger, 'error', summary);
    const line = jest.fn(() => 'x');
    for (let i = 0; i < 1_000; i++) log.report(line);
    expect(line).toHaveBeenCalledTimes(BROKER_LOG_LINES);
  });

  test('sums up what it only counted at the end of the window, once', () => {
    const { logger, lines } = recordingLogger();
    const log = new LimitedLog(logger, 'error', summary);
    for (let i = 0; i < BROKER_LOG_LINES; i++) log.report(() => 'written');
    jest.advanceTimersByTime(2_000);
    for (let i = 0; i < 7; i++) log.report(() => 'counted');
    jest.advanceTimersByTime(BROKER_LOG_WINDOW_MS - 1);
    expect(lines).toHaveLength(BROKER_LOG_LINES);
    jest.advanceTimersByTime(1);
    // Seconds are measured from the first report counted, not from the window's start.
    expect(lines.at(-1)).toEqual(['error', '7 more in 10s']);
    jest.advanceTimersByTime(10 * BROKER_LOG_WINDOW_MS);
    expect(lines).toHaveLength(BROKER_LOG_LINES + 1);
  });

  test('writes again in a new window, and counts afresh after a summary', () => {
    const { logger, lines } = recordingLogger();
    const log = new LimitedLog(logger, 'warn', summary);
    for (let i = 0; i < BROKER_LOG_LINES + 2; i++) log.report(() => 'first window');
    jest.advanceTimersByTime(BROKER_LOG_WINDOW_MS);
    log.report(() => 'second window');
    expect(lines.slice(-2)).toEqual([
      ['warn', '2 more in 10s'],
      ['warn', 'second window'],
    ]);
  });

  test('flush writes the summary at once, with at least one second, and nothing when none is counted', () => {
    const { logger, lines } = recordingLogger();
    const log = new LimitedLog(logger, 'warn', summary);
    log.flush();
    expect(lines).toEqual([]);
    for (let i = 0; i < BROKER_LOG_LINES + 1; i++) log.report(() => 'line');
    log.flush();
    expect(lines.at(-1)).toEqual(['warn', '1 more in 1s']);
    // The window's timer was cleared: it writes no second summary.
    jest.advanceTimersByTime(BROKER_LOG_WINDOW_MS);
    log.flush();
    expect(lines).toHaveLength(BROKER_LOG_LINES + 1);
  });

  test('its timer keeps no process alive', () => {
    const { logger } = recordingLogger();
    jest.useRealTimers();
    const log = new LimitedLog(logger, 'warn', summary);
    for (let i = 0; i < BROKER_LOG_LINES + 1; i++) log.report(() => 'line');
    const timer = (log as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    log.flush();
  });
});
