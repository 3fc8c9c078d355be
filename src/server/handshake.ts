import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** The peer's end of the TCP connection, as `socket.request.socket` shows it. */
export interface EtpHandshakePeer {
  /** The peer's IP address, as `net.Socket#remoteAddress` gave it at the handshake. */
  readonly remoteAddress: string | undefined;
  /** The peer's port. */
  readonly remotePort: number | undefined;
}

/**
 * What a connection keeps of its handshake's HTTP request: `socket.request`, also the second
 * argument of `handleConnection`. Not the `IncomingMessage` itself, which would cost each idle
 * connection about a kilobyte for what an application reads of it: the URL, the headers and the
 * peer's address, read the same way (`request.url`, `request.headers`,
 * `request.socket.remoteAddress`). `authorize` still gets the whole `IncomingMessage`.
 */
export class EtpHandshake {
  /** The request's URL: its path and query, as the client sent them. */
  readonly url: string;
  /** The request's headers, names in lower case, as `IncomingMessage#headers` has them. */
  readonly headers: IncomingHttpHeaders;
  /** The peer's IP address at the handshake. */
  readonly remoteAddress: string | undefined;
  /** The peer's port at the handshake. */
  readonly remotePort: number | undefined;

  /** Made by the gateway server for each connection it accepts, never by an application. */
  constructor(request: IncomingMessage) {
    this.url = request.url ?? '/';
    this.headers = request.headers;
    this.remoteAddress = request.socket?.remoteAddress;
    this.remotePort = request.socket?.remotePort;
  }

  /** The peer's address and port, where `IncomingMessage#socket` has them. */
  get socket(): EtpHandshakePeer {
    return { remoteAddress: this.remoteAddress, remotePort: this.remotePort };
  }
}
