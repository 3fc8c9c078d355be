/**
 * What a client's WebSocket reports. One listener object per connection attempt: nothing is
 * allocated per message.
 */
export interface ClientTransportListener {
  open(): void;
  /** One whole message; text messages arrive as their UTF-8 bytes. */
  message(bytes: Uint8Array): void;
  error(error: Error): void;
  /** Always the last call, whether or not `open` came. */
  close(code: number, reason: string): void;
  pong(): void;
}

/**
 * The few things a client asks of a WebSocket, so that the same client code runs over `ws` in
 * Node and over the browser's `WebSocket`.
 */
export interface ClientTransport {
  /** Text is sent as a text message, bytes as a binary message. */
  send(frame: string | Uint8Array): void;
  close(code: number, reason?: string): void;
  /** Drops the connection without a closing handshake (where the platform allows it). */
  terminate(): void;
  /** A WebSocket ping; `undefined` where the platform cannot send one (browsers). */
  readonly ping: (() => void) | undefined;
}
