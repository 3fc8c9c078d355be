import { EtpFrameError } from '../protocol/errors.js';
import {
  RECOVERY_NOTHING,
  RECOVERY_QUERY,
  isKnownRecoveryFrame,
  isRecoveryFrame,
  parseRecoveryFrame,
} from '../protocol/recovery.js';
import type { EtpConnectInfo, EtpQuery } from './client-options.js';
import { RecoveryPositions } from './recovery-positions.js';
import type { ClientTransport } from './transport.js';

/** What the recovery extension needs of the client it runs in. */
export interface ClientRecoveryOwner {
  /** Handles a frame as any frame received: the inner frame of a kept broadcast, say. */
  dispatch(transport: ClientTransport, bytes: Uint8Array): void;
  /** Runs the `onConnect` listeners. */
  connected(info: EtpConnectInfo): void;
  reportError(error: Error): void;
}

/**
 * The client's side of connection-state recovery: the handshake parameter of each attempt, the
 * extension frames the server sends (positions kept, kept broadcasts unwrapped and told apart
 * from the ones already dispatched), and when the `onConnect` listeners run and with what.
 */
export class ClientRecovery {
  readonly positions = new RecoveryPositions();
  /** Whether the handshake of the current attempt presented positions. */
  private presented = false;
  /** Set while the open connection's verdict is awaited: until `__etp_hello` or the timeout. */
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private waiting = false;
  private verdict = false;

  constructor(
    private readonly owner: ClientRecoveryOwner,
    /** How long an open connection that presented positions waits for the server's verdict. */
    private readonly helloTimeout: number,
  ) {}

  /** What the last connection's `onConnect` listeners were told. */
  get recovered(): boolean {
    return this.verdict;
  }

  /** The query parameter of the next attempt; called once per attempt. */
  handshakeQuery(): EtpQuery {
    const value = this.positions.handshakeValue();
    this.presented = value !== RECOVERY_NOTHING;
    return { [RECOVERY_QUERY]: value };
  }

  /**
   * The connection opened. Without positions presented there is nothing to wait for; with them,
   * the server's first frame says whether they were recovered.
   */
  opened(): void {
    if (!this.presented) {
      this.settle(false);
      return;
    }
    this.waiting = true;
    this.helloTimer = setTimeout(() => this.settle(false), this.helloTimeout);
  }

  /**
   * The connection ended. One that ended before its verdict never ran `onConnect`: its positions
   * are as they were, for the next attempt to present again.
   */
  ended(): void {
    this.stopWaiting();
  }

  /** An explicit close: the next connect starts over. */
  reset(): void {
    this.stopWaiting();
    this.positions.clear();
  }

  /** One message of the open connection (its size already checked). */
  receive(transport: ClientTransport, bytes: Uint8Array): void {
    if (!isRecoveryFrame(bytes)) {
      // A server without recovery (the Go reference, say) starts with anything but a hello.
      if (this.waiting) this.settle(false);
      this.owner.dispatch(transport, bytes);
      return;
    }
    const frame = parseRecoveryFrame(bytes);
    if (frame?.kind === 'hello') {
      this.positions.id = frame.id;
      if (this.waiting) this.settle(frame.recovered);
      return;
    }
    if (this.waiting) this.settle(false);
    switch (frame?.kind) {
      case 'position':
        this.positions.advance(frame.room, frame.epoch, frame.offset);
        return;
      case 'leave':
        this.positions.forget(frame.room);
        return;
      case 'kept':
        // An inner frame of the extension would be a kept broadcast of an `__etp_` event, which
        // no server makes: dropped, as a received one would be.
        if (
          this.positions.accept(frame.room, frame.epoch, frame.offset) &&
          !isRecoveryFrame(frame.inner)
        ) {
          this.owner.dispatch(transport, frame.inner);
        }
        return;
      case undefined:
        // Unknown extension frames are a later server's business; a known one that does not
        // parse is the server's fault, worth a (rate-limited) report.
        if (isKnownRecoveryFrame(bytes)) {
          this.owner.reportError(new EtpFrameError('a malformed recovery frame', bytes));
        }
    }
  }

  private settle(recovered: boolean): void {
    this.stopWaiting();
    this.verdict = recovered;
    // Nothing was recovered: what the positions said is of no use any more, and those of the
    // rooms joined now arrive from the server.
    if (!recovered) this.positions.startOver();
    this.owner.connected({ recovered });
  }

  private stopWaiting(): void {
    this.waiting = false;
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }
}
