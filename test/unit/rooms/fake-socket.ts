import {
  autoCodec,
  EtpAckTimeoutError,
  EtpConnectionClosedError,
  type EtpPayloadCodec,
  type EtpSocket,
} from '../../../src/index.js';

let sequence = 0;

/**
 * What the room registry and the broadcast path use of an `EtpSocket`, and nothing more: it
 * records the prepared frames written to it, and answers the requests of a broadcast
 * `emitWithAck` as told.
 */
export class FakeSocket {
  readonly id = `socket-${++sequence}`;
  readonly written: string[] = [];
  readonly closes: Array<{ code?: number; reason?: string }> = [];
  connected = true;
  /** What `requestAck` does: answer with a value, time out, or find the connection closed. */
  reply: { answer: unknown } | 'timeout' | 'closed' = { answer: 'ok' };
  private readonly closeListeners: Array<(socket: EtpSocket) => void> = [];
  /** Its gateway server: what the registry learns of it (codec, `maxBufferedBytes`), if given. */
  readonly server: { observe: () => void; codec?: EtpPayloadCodec; maxBufferedBytes?: number };

  constructor(
    readonly codec: EtpPayloadCodec = autoCodec,
    gateway: { codec?: EtpPayloadCodec; maxBufferedBytes?: number } = {},
  ) {
    this.server = { observe: () => undefined, ...gateway };
  }

  static of(
    codec?: EtpPayloadCodec,
    gateway?: { codec?: EtpPayloadCodec; maxBufferedBytes?: number },
  ): EtpSocket {
    return new FakeSocket(codec, gateway) as unknown as EtpSocket;
  }

  sendPrepared(frame: { bytes: Uint8Array }): boolean {
    if (!this.connected) return false;
    this.written.push(Buffer.from(frame.bytes).toString('utf8'));
    return true;
  }

  /** The payloads `requestAck` was given, already encoded. */
  readonly asked: Array<string | Uint8Array | undefined> = [];

  requestAck(
    event: string,
    payload: string | Uint8Array | undefined,
    options: { timeout: number },
  ): Promise<unknown> {
    this.asked.push(payload);
    if (this.reply === 'timeout') {
      return Promise.reject(new EtpAckTimeoutError(event, options.timeout));
    }
    if (this.reply === 'closed') return Promise.reject(new EtpConnectionClosedError(event));
    return Promise.resolve(this.reply.answer);
  }

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }

  onClose(listener: (socket: EtpSocket) => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the connection as the server would: listeners run, then nothing is written. */
  end(): void {
    this.connected = false;
    for (const listener of this.closeListeners.splice(0)) listener(this as unknown as EtpSocket);
  }
}

export function fake(socket: EtpSocket): FakeSocket {
  return socket as unknown as FakeSocket;
}
