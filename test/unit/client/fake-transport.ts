import type { ClientTransport, ClientTransportListener } from '../../../src/client/transport.js';

/** A client transport that records what the client does to it; the test plays the server. */
export class FakeTransport implements ClientTransport {
  readonly sent: Array<string | Uint8Array> = [];
  closedWith: { code: number; reason: string | undefined } | undefined;
  terminated = false;
  pings = 0;
  readonly ping: (() => void) | undefined;

  constructor(
    readonly url: string,
    readonly listener: ClientTransportListener,
    canPing = true,
  ) {
    this.ping = canPing ? () => void this.pings++ : undefined;
  }

  send(frame: string | Uint8Array): void {
    this.sent.push(frame);
  }

  close(code: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The server's side of things. */
  open(): void {
    this.listener.open();
  }

  receive(frame: string): void {
    this.listener.message(new TextEncoder().encode(frame));
  }

  end(code: number, reason = '', error?: Error): void {
    if (error !== undefined) this.listener.error(error);
    this.listener.close(code, reason);
  }
}
