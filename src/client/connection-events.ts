import { CLOSE_MESSAGE_TOO_BIG, EtpDisconnectReason } from '../protocol/close.js';
import { escapeLogText } from '../protocol/log-limit.js';
import type { PendingAcks } from '../protocol/pending-acks.js';
import type { PendingPings } from '../protocol/pending-pings.js';
import type { EtpDisconnectInfo, EtpLogLevel, EtpQuery } from './client-options.js';
import type { ClientListeners } from './client-listeners.js';
import { ClientRecovery } from './client-recovery.js';
import type { Connection, ConnectionOwner } from './connection.js';
import { disconnectInfo } from './disconnect-info.js';
import type { EtpConnectError } from './errors.js';
import type { IncomingEvents } from './incoming-events.js';
import type { ClientTransport, ClientTransportListener } from './transport.js';
import { describeUrl } from './url.js';

/** The parts of a client that what its connection reports reaches. */
export interface ClientParts {
  readonly incoming: IncomingEvents;
  readonly listeners: ClientListeners;
  readonly acks: PendingAcks;
  readonly pings: PendingPings;
  /** Largest message accepted, in bytes. */
  readonly maxPayload: number;
  /** `false`: the client does not speak the recovery extension. */
  readonly recovery: boolean;
  /** How long a reconnect that presented positions waits for the server's verdict, in ms. */
  readonly helloTimeout: number;
  createTransport(url: string, listener: ClientTransportListener): ClientTransport;
  log(level: EtpLogLevel, message: string, error?: unknown): void;
  reportError(error: Error): void;
}

/**
 * What a client's connection reports, turned into what the client does: an open into the
 * `onConnect` listeners, a message into an event (through recovery, when it is on), an end into
 * rejected requests and the `onDisconnect` listeners.
 */
export class ConnectionEvents implements ConnectionOwner {
  /** Set once, right after the connection this reports for is made. */
  connection!: Connection;
  /** Connection-state recovery; `undefined` with `recovery: false`. */
  readonly recovery: ClientRecovery | undefined;
  /** How the last connection ended. */
  lastClose: EtpDisconnectInfo | undefined;

  constructor(private readonly client: ClientParts) {
    if (!client.recovery) return;
    const owner = {
      dispatch: (transport: ClientTransport, bytes: Uint8Array) =>
        client.incoming.handle(transport, bytes),
      connected: client.listeners.connected.bind(client.listeners),
      reportError: (error: Error) => client.reportError(error),
    };
    this.recovery = new ClientRecovery(owner, client.helloTimeout);
  }

  createTransport(url: string, listener: ClientTransportListener): ClientTransport {
    return this.client.createTransport(url, listener);
  }

  handshakeQuery(): EtpQuery | undefined {
    return this.recovery?.handshakeQuery();
  }

  log(level: EtpLogLevel, message: string, error?: unknown): void {
    this.client.log(level, message, error);
  }

  opened(): void {
    if (this.recovery === undefined) this.client.listeners.connected({ recovered: false });
    else this.recovery.opened();
  }

  message(transport: ClientTransport, bytes: Uint8Array): void {
    if (bytes.length > this.client.maxPayload) {
      this.connection.closeFor(
        EtpDisconnectReason.MessageTooBig,
        CLOSE_MESSAGE_TOO_BIG,
        'message too big',
      );
      return;
    }
    if (this.recovery === undefined) this.client.incoming.handle(transport, bytes);
    else this.recovery.receive(transport, bytes);
  }

  pong(): void {
    this.client.pings.settle();
  }

  ended(
    code: number,
    text: string,
    ownReason: EtpDisconnectReason | undefined,
    error: Error | undefined,
  ): void {
    const { pings, acks, listeners } = this.client;
    pings.clear();
    const info = disconnectInfo(code, text, ownReason, error);
    const reason = info.reason;
    // What arrived while closing could have taught recovery positions again: a close forgets.
    if (ownReason === EtpDisconnectReason.ClientClosed) this.recovery?.reset();
    else this.recovery?.ended();
    this.lastClose = info;
    acks.rejectAll(reason);
    this.log(
      reason === EtpDisconnectReason.ClientClosed ? 'log' : 'warn',
      `Disconnected from ${describeUrl(this.connection.url!)}: ${reason} (${info.closeCode}${info.closeReason === undefined ? '' : ` ${escapeLogText(info.closeReason)}`})`,
    );
    listeners.disconnected(reason, info);
  }

  attemptFailed(error: EtpConnectError): void {
    this.client.reportError(error);
  }
}
