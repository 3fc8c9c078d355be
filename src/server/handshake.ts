import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What a connection keeps of its handshake's HTTP request: `socket.request`, also the second
 * argument of `handleConnection`. Not the `IncomingMessage` itself, which would cost each idle
 * connection about a kilobyte, but what an application reads of it, read the same way:
 * `request.url`, `request.headers` and `request.socket` (the peer's `remoteAddress`, …).
 * `authorize` still gets the whole `IncomingMessage`.
 */
export class EtpHandshake {
  /** The request's URL: its path and query, as the client sent them. */
  readonly url: string;
  /** The request's headers, names in lower case, as `IncomingMessage#headers` has them. */
  readonly headers: IncomingHttpHeaders;
  /**
   * The connection's TCP socket, as `IncomingMessage#socket`: `remoteAddress`, `remotePort`
   * (read them while the connection is open; once it has ended they are `undefined` unless
   * they were read before).
   */
  readonly socket: Socket;

  /** Made by the gateway server for each connection it accepts, never by an application. */
  constructor(request: IncomingMessage) {
    this.url = request.url ?? '/';
    this.headers = request.headers;
    this.socket = request.socket;
  }
}
