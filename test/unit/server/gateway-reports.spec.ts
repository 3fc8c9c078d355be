import type { Logger } from '@nestjs/common';
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import { GatewayReports } from '../../../src/server/gateway-reports.js';

function setup(onError?: (error: Error, socket: EtpSocket) => void) {
  const lines: Array<[string, string]> = [];
  const record = (level: string) => (text: string) => void lines.push([level, text]);
  const logger = {
    log: record('log'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  } as unknown as Logger;
  const metrics = createGatewayMetrics(undefined, new Map(), false);
  const reports = new GatewayReports(logger, metrics, onError, 1024);
  const socket = { id: 'abc' } as EtpSocket;
  return { lines, reports, socket };
}

describe('GatewayReports', () => {
  test('a slow consumer: one warning with its backlog and the limit', () => {
    const { lines, reports, socket } = setup();
    reports.slowConsumer(socket, 2048);
    expect(lines).toEqual([
      [
        'warn',
        'Closed a slow consumer [socket abc]: 2048 bytes waiting, more than maxBufferedBytes (1024)',
      ],
    ]);
  });

  test('malformed input and unknown events go to onError, escaped in the log', () => {
    const told: string[] = [];
    const { lines, reports, socket } = setup((error) => told.push(error.message));
    reports.malformed(new Error('bad\nframe'), socket);
    reports.unknownEvent('nope', socket);
    expect(told).toEqual([
      'bad\nframe',
      `Unknown ETP event "nope" with no __etp_unknown_event__ handler`,
    ]);
    expect(lines.map(([level]) => level)).toEqual(['warn', 'debug']);
    expect(lines[0][1]).not.toContain('\n');
  });

  test('an onError hook that throws is logged, not thrown', () => {
    const { lines, reports, socket } = setup(() => {
      throw new Error('hook');
    });
    expect(() => reports.malformed(new Error('bad'), socket)).not.toThrow();
    expect(lines.some(([level, text]) => level === 'error' && text.includes('onError'))).toBe(true);
  });
});
