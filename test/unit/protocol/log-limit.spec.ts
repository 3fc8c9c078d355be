import { EtpFrameError, encodeFrame } from '../../../src/index.js';
import { escapeLogText, LogBudget } from '../../../src/protocol/log-limit.js';

describe('escapeLogText', () => {
  it('escapes what could end a log line or steer a terminal', () => {
    expect(escapeLogText('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(escapeLogText('\u001b[31mred\u0000\u007f\u0085\u2028\u2029')).toBe(
      '\\u001b[31mred\\u0000\\u007f\\u0085\\u2028\\u2029',
    );
  });

  it('keeps ordinary text, quotes and non-ASCII letters as they are', () => {
    expect(escapeLogText('événement "x" 日本')).toBe('événement "x" 日本');
  });

  it('cuts long text to its limit', () => {
    expect(escapeLogText('x'.repeat(1_000))).toBe(`${'x'.repeat(300)}…`);
    expect(escapeLogText('abcdef', 3)).toBe('abc…');
  });
});

describe('LogBudget', () => {
  it('allows so many lines a window, then none until the next window', () => {
    const budget = new LogBudget(2, 1_000);
    expect([budget.take(0), budget.take(10), budget.take(20)]).toEqual([true, true, false]);
    expect(budget.take(999)).toBe(false);
    expect([budget.take(1_000), budget.take(1_001), budget.take(1_002)]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('encodeFrame', () => {
  it('refuses an event name containing "||", which the peer would read as another frame', () => {
    expect(() => encodeFrame('a||1||forged', 0, 'x')).toThrow(EtpFrameError);
    expect(() => encodeFrame('a||b', 0)).toThrow(
      'Malformed ETP frame: an event name cannot contain "||" ("a||b")',
    );
    expect(encodeFrame('a|b', 0, 'x')).toBe('a|b||0||x');
  });
});
