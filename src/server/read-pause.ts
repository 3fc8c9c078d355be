/** What pausing needs of a `ws` WebSocket. */
export interface PausableSocket {
  readonly isPaused: boolean;
  pause(): void;
  resume(): void;
}

/** The peer is behind in reading what the server writes (see backpressure.ts). */
export const PAUSED_FOR_BACKLOG = 1;
/** The peer has spent its budget of messages per second (see event-budget.ts). */
export const PAUSED_FOR_BUDGET = 2;

/**
 * Why the server has stopped reading from one peer. Several reasons may hold at once, each
 * lifted on its own schedule (a drain, a timer): reading resumes only once none remains, so that
 * the end of one never undoes another.
 */
export class ReadPause {
  private reasons = 0;
  private closing = false;

  constructor(private readonly ws: PausableSocket) {}

  isPausedFor(reason: number): boolean {
    return (this.reasons & reason) !== 0;
  }

  pauseFor(reason: number): void {
    if (this.closing) return;
    if (this.reasons === 0) this.ws.pause();
    this.reasons |= reason;
  }

  /** `reason` no longer holds; reading resumes once no other does. */
  resumeFrom(reason: number): void {
    if ((this.reasons & reason) === 0) return;
    this.reasons &= ~reason;
    if (this.reasons === 0) this.ws.resume();
  }

  /** The closing handshake needs the peer's close frame: reading goes on whatever held it. */
  resumeForClose(): void {
    this.closing = true;
    this.reasons = 0;
    if (this.ws.isPaused) this.ws.resume();
  }
}
