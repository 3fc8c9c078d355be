import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { BrokerReports } from '../../../src/cluster/broker-reports.js';
import { DropReason } from '../../../src/cluster/envelope.js';
import { BROKER_LOG_LINES } from '../../../src/cluster/limited-log.js';
import type { BrokerMetrics } from '../../../src/metrics/broker-metrics.js';

function setup() {
  const lines: Array<[string, string]> = [];
  const logger = {
    error: (line: string) => lines.push(['error', line]),
    warn: (line: string) => lines.push(['warn', line]),
  } as unknown as Logger;
  const counted: string[] = [];
  const metrics: BrokerMetrics = {
    published: () => counted.push('published'),
    received: () => counted.push('received'),
    dropped: (reason) => counted.push(`dropped ${reason}`),
    lost: (count = 1) => counted.push(`lost ${count}`),
  };
  return { reports: new BrokerReports(logger, () => metrics), lines, counted };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('BrokerReports', () => {
  test('a lost broadcast is counted and logged as an error', () => {
    const { reports, lines, counted } = setup();
    reports.lost('chat', 'Redis is not connected (reconnecting)');
    expect(counted).toEqual(['lost 1']);
    expect(lines).toEqual([
      [
        'error',
        'Broadcast "chat" did not reach the other instances: Redis is not connected (reconnecting)',
      ],
    ]);
  });

  test('a publish that failed in flight is logged but not counted: the receivers count it', () => {
    const { reports, lines, counted } = setup();
    reports.publishFailed('chat', 'socket closed');
    expect(counted).toEqual([]);
    expect(lines).toHaveLength(1);
  });

  test('missed broadcasts of another instance count as lost, as many as were missed', () => {
    const { reports, lines, counted } = setup();
    reports.missed('bbbbbbbbbbbbbbbb', 3);
    expect(counted).toEqual(['lost 3']);
    expect(lines).toEqual([['error', 'Missed 3 broadcast(s) of instance bbbbbbbbbbbbbbbb']]);
  });

  test('a dropped message is counted by reason and logged as a warning, with its detail', () => {
    const { reports, lines, counted } = setup();
    reports.dropped(DropReason.Shape, 'etp:control', 'no kind');
    reports.dropped(DropReason.Unsigned, 'etp:broadcast');
    expect(counted).toEqual(['dropped shape', 'dropped unsigned']);
    expect(lines).toEqual([
      ['warn', 'Dropped a message from another instance on etp:control: shape (no kind)'],
      ['warn', 'Dropped a message from another instance on etp:broadcast: unsigned'],
    ]);
  });

  test('text another instance chose cannot forge log lines nor fill the log', () => {
    const { reports, lines } = setup();
    const event = `evil\n[Nest] 1 - LOG forged${'x'.repeat(500)}`;
    reports.lost(event, 'why\r\u001b[31m');
    const huge = 'd\u2028'.repeat(100_000);
    reports.dropped(DropReason.Shape, `etp:room{:${'\u0000'.repeat(100_000)}}`, huge);
    for (const [, line] of lines) {
      for (const unsafe of ['\n', '\r', '\u001b', '\u0000', '\u2028']) {
        expect(line).not.toContain(unsafe);
      }
    }
    // Cut before it is escaped: a control takes up to six characters, so a line stays a few KB.
    expect(lines[0][1].length).toBeLessThan(2_000);
    expect(lines[1][1].length).toBeLessThan(3_000);
    expect(lines[0][1]).toContain('evil\\n[Nest]');
    expect(lines[0][1]).toContain('why\\r\\u001b[31m');
  });

  test('losses and drops have budgets of their own; every one is still counted', () => {
    const { reports, lines, counted } = setup();
    for (let i = 0; i < 20; i++) reports.lost('e', 'down');
    for (let i = 0; i < 20; i++) reports.dropped(DropReason.Unreadable, 'c');
    expect(counted.filter((one) => one === 'lost 1')).toHaveLength(20);
    expect(counted.filter((one) => one === 'dropped unreadable')).toHaveLength(20);
    expect(lines.filter(([level]) => level === 'error')).toHaveLength(BROKER_LOG_LINES);
    expect(lines.filter(([level]) => level === 'warn')).toHaveLength(BROKER_LOG_LINES);
    reports.flush();
    expect(lines.slice(-2)).toEqual([
      ['error', '15 more broadcasts lost in the last 1s (etp.broker.broadcasts.lost counts each)'],
      ['warn', '15 more messages from other instances dropped in the last 1s'],
    ]);
  });

  test('reads the metrics at each report: those made at init are the ones counted into', () => {
    const counted: string[] = [];
    let metrics: BrokerMetrics = { published() {}, received() {}, dropped() {}, lost() {} };
    const logger = { error() {}, warn() {} } as unknown as Logger;
    const reports = new BrokerReports(logger, () => metrics);
    reports.lost('before', 'x');
    metrics = { ...metrics, lost: () => counted.push('lost') };
    reports.lost('after', 'x');
    expect(counted).toEqual(['lost']);
  });
});
