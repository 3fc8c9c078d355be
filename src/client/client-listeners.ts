import type {
  EtpConnectInfo,
  EtpConnectListener,
  EtpDisconnectInfo,
  EtpDisconnectListener,
} from './client-options.js';
import type { EtpDisconnectReason } from '../protocol/close.js';

/**
 * What the application hooked on a client: connect, disconnect and error listeners. A listener
 * that throws is reported and the others still run, so one faulty hook cannot stop the client.
 */
export class ClientListeners {
  readonly connect: EtpConnectListener[] = [];
  readonly disconnect: EtpDisconnectListener[] = [];
  readonly error: Array<(error: Error) => void> = [];

  constructor(private readonly reportThrow: (error: unknown) => void) {}

  connected(info: EtpConnectInfo): void {
    for (const listener of this.connect) this.call(listener, info);
  }

  disconnected(reason: EtpDisconnectReason, info: EtpDisconnectInfo): void {
    for (const listener of this.disconnect) this.call(listener, reason, info);
  }

  failed(error: Error): void {
    for (const listener of this.error) this.call(listener, error);
  }

  private call<A extends unknown[]>(listener: (...args: A) => void, ...args: A): void {
    try {
      listener(...args);
    } catch (error) {
      this.reportThrow(error);
    }
  }
}
