import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@nestjs/common';
import { WebSocketServer } from 'ws';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import { describeThrown, type HandshakeAuthorizer } from './authorize.js';
import type { ConnectionAdmission, ConnectionRegistry } from './connection-registry.js';
import { EtpWebSocket } from './etp-websocket.js';
import type { ResolvedGatewayOptions } from './options.js';
import { isOriginAllowed } from './origin.js';
import { refuseHandshake } from './refuse-handshake.js';

/** What the gate asks of its gateway server. */
export interface GateHost {
  /** The gateway's `authorize`, set by the adapter. */
  readonly authorizer: HandshakeAuthorizer | undefined;
  /** The rooms registry, whose `admit` is a step of its own. */
  readonly registry: ConnectionRegistry | undefined;
  /** Takes a connection whose upgrade is complete. */
  accept(
    ws: EtpWebSocket,
    request: IncomingMessage,
    stream: Duplex,
    auth: unknown,
    admission: ConnectionAdmission | undefined,
  ): void;
}

/**
 * The way from a handshake routed to a gateway to its WebSocket: the origin check, `authorize`,
 * the registry's admission, then the upgrade. Every handshake is answered, whatever a step does;
 * once the gateway shuts down, with 503.
 */
export class HandshakeGate {
  /** Makes an `EtpWebSocket` of every connection: its `WebSocket` option. */
  private readonly wss: WebSocketServer;
  private shut = false;

  constructor(
    private readonly settings: ResolvedGatewayOptions,
    private readonly logger: Logger,
    private readonly host: GateHost,
  ) {
    this.wss = new WebSocketServer({
      WebSocket: EtpWebSocket,
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: settings.maxPayload,
    });
  }

  /** Whether the gateway has begun to shut down. */
  get closed(): boolean {
    return this.shut;
  }

  /** Completes a handshake routed here, or refuses it. */
  handle(request: IncomingMessage, stream: Duplex, head: Buffer): void {
    if (this.shut) {
      refuseHandshake(stream, 503, 'Service Unavailable');
      return;
    }
    if (!isOriginAllowed(request, this.settings.cors?.origin)) {
      if (peerReports.allow(request, this.logger)) {
        this.logger.warn(
          `Refused a handshake from origin ${escapeLogText(request.headers.origin!)}`,
        );
      }
      refuseHandshake(stream, 403, 'Forbidden');
      return;
    }
    const authorizer = this.host.authorizer;
    if (authorizer === undefined) {
      const admitting = this.host.registry?.admit?.(request);
      if (admitting === undefined) {
        this.wss.handleUpgrade(request, stream, head, (ws) =>
          this.accept(ws as EtpWebSocket, request, stream, undefined, undefined),
        );
      } else {
        stream.pause();
        void this.upgradeWhen(admitting, request, stream, head, undefined).catch((error) =>
          this.acceptFailed(error, stream),
        );
      }
      return;
    }
    void authorizer
      .check(request, stream)
      .then((granted) => {
        if (granted === undefined) return;
        const admitting = this.host.registry?.admit?.(request) ?? Promise.resolve(undefined);
        return this.upgradeWhen(admitting, request, stream, head, granted.auth);
      })
      .catch((error: unknown) => this.acceptFailed(error, stream));
  }

  /** Refuses every handshake from now on; `close` then releases the WebSocket server. */
  shutDown(): void {
    this.shut = true;
  }

  async close(): Promise<void> {
    this.shut = true;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Completes the upgrade of a paused handshake once its admission is settled. */
  private async upgradeWhen(
    admitting: Promise<ConnectionAdmission | undefined>,
    request: IncomingMessage,
    stream: Duplex,
    head: Buffer,
    auth: unknown,
  ): Promise<void> {
    // A peer that resets the stream while it waits must not become an uncaught error.
    const onError = (): void => void stream.destroy();
    stream.on('error', onError);
    let admission: ConnectionAdmission | undefined;
    try {
      admission = await admitting;
    } finally {
      stream.off('error', onError);
    }
    if (stream.destroyed) return;
    if (this.shut) {
      refuseHandshake(stream, 503, 'Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(request, stream, head, (ws) => {
      this.accept(ws as EtpWebSocket, request, stream, auth, admission);
      stream.resume(); // paused while the handshake waited; ws now listens
    });
  }

  private accept(
    ws: EtpWebSocket,
    request: IncomingMessage,
    stream: Duplex,
    auth: unknown,
    admission: ConnectionAdmission | undefined,
  ): void {
    if (this.shut) {
      // A handshake that began before the shutdown completes after it: nobody would close it later.
      ws.terminate();
      return;
    }
    this.host.accept(ws, request, stream, auth, admission);
  }

  /** Past authorize, a throw would otherwise be an unhandled rejection, which ends the process. */
  private acceptFailed(error: unknown, stream: Duplex): void {
    const { text, trace } = describeThrown(error);
    this.logger.error(`Accepting a connection failed: ${text}`, trace);
    stream.destroy();
  }
}
