import type { Logger } from '@nestjs/common';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { ETP_UNKNOWN_EVENT } from './handler-routes.js';
import type { EtpSocket } from './etp-socket.js';
import type { ResolvedGatewayOptions } from './options.js';

/** Event names are the peer's: a log line shows this much of one. */
const MAX_EVENT_IN_LOG = 100;

/**
 * What one gateway tells about its connections' troubles: to the log (what the peer causes,
 * rate-limited per peer), to the metrics, and to the gateway's `onError`.
 */
export class GatewayReports {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    private readonly onError: ResolvedGatewayOptions['onError'],
    private readonly maxBufferedBytes: number,
  ) {}

  /** Once per connection: the socket closes itself right after. */
  slowConsumer(socket: EtpSocket, buffered: number): void {
    this.logger.warn(
      `Closed a slow consumer [socket ${socket.id}]: ${buffered} bytes waiting, ` +
        `more than maxBufferedBytes (${this.maxBufferedBytes})`,
    );
  }

  /** A message that is not an ETP frame, or data the codec refused. */
  malformed(error: Error, socket: EtpSocket): void {
    this.metrics.malformed(error);
    if (peerReports.allow(socket, this.logger)) {
      this.logger.warn(`${escapeLogText(error.message)} [socket ${socket.id}]`);
    }
    this.notify(error, socket);
  }

  /** An event no handler takes. */
  unknownEvent(event: string, socket: EtpSocket): void {
    const error = new Error(`Unknown ETP event "${event}" with no ${ETP_UNKNOWN_EVENT} handler`);
    if (peerReports.allow(socket, this.logger)) {
      this.logger.debug?.(`${escapeLogText(error.message)} [socket ${socket.id}]`);
    }
    this.notify(error, socket);
  }

  /** A handler that threw: to the log only. */
  handlerFailure(error: unknown, socket: EtpSocket, event: string): void {
    this.logger.error(
      `Handler of "${escapeLogText(event, MAX_EVENT_IN_LOG)}" failed [socket ${socket.id}]`,
      error instanceof Error ? error.stack : String(error),
    );
  }

  /** A gateway's connection callback threw: the connection is ended. */
  connectionFailed(error: unknown, socket: EtpSocket): void {
    this.logger.error(
      `Setting up a connection failed: ended it [socket ${socket.id}]`,
      error instanceof Error ? error.stack : String(error),
    );
  }

  private notify(error: Error, socket: EtpSocket): void {
    const hook = this.onError;
    if (hook === undefined) return;
    try {
      hook(error, socket);
    } catch (hookError) {
      this.logger.error('The gateway onError hook threw', (hookError as Error).stack);
    }
  }
}
