import { randomBytes } from 'node:crypto';
import { PAUSED_FOR_BUDGET } from './read-pause.js';

const TOKEN_BYTES = 8;

/** What the heartbeat needs of a connection. */
export interface HeartbeatPeer {
  /** Sends a WebSocket ping carrying `token`, if the connection is still open. */
  sendPing(token: Buffer): void;
  /** Whether reading from the peer is stopped for `reason` (a `PAUSED_FOR_…` of read-pause.ts). */
  readingHeldFor(reason: number): boolean;
  /** Ends a peer that stopped answering pings: its end is "heartbeat timeout". */
  expireHeartbeat(): void;
}

/**
 * One gateway's heartbeat, and all of its state: one timer per gateway, not per connection, and
 * nothing kept for a connection that answers. A round pings every connection with a token of its
 * own and waits for the pongs echoing it; `timeout` later those that have not answered are
 * dropped, and the next round starts `interval` after the previous one began (right away when
 * `timeout` is longer). Rounds never overlap, so every `interval`/`timeout` pair drops a silent
 * peer. A connection accepted during a round is not waited for until the next one.
 */
export class Heartbeat<Peer extends HeartbeatPeer = HeartbeatPeer> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private roundStart = 0;
  /** The token of the round under way; only a pong echoing it proves the peer alive. */
  private token: Buffer | undefined;
  /** The peers pinged in the round under way that have not answered it yet. */
  private readonly awaiting = new Set<Peer>();

  constructor(
    private readonly peers: ReadonlyMap<string, Peer>,
    private readonly interval: number,
    private readonly timeout: number,
  ) {}

  start(): void {
    this.schedule(() => this.pingAll(), this.interval);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.awaiting.clear();
  }

  /**
   * A pong from `peer`. An unsolicited pong, or one answering an older round, proves nothing
   * about the peer now.
   */
  pong(peer: Peer, data: Buffer): void {
    if (this.token !== undefined && data.equals(this.token)) this.awaiting.delete(peer);
  }

  /** The peer's connection has ended: it is waited for no more. */
  forget(peer: Peer): void {
    this.awaiting.delete(peer);
  }

  private schedule(run: () => void, delay: number): void {
    this.timer = setTimeout(run, delay);
    this.timer.unref();
  }

  private pingAll(): void {
    this.roundStart = Date.now();
    const token = randomBytes(TOKEN_BYTES);
    this.token = token;
    for (const peer of this.peers.values()) {
      this.awaiting.add(peer);
      peer.sendPing(token);
    }
    this.schedule(() => this.dropSilent(), this.timeout);
  }

  private dropSilent(): void {
    for (const peer of this.awaiting) {
      // A peer over its budget of events is not silent: the server is not reading its pong.
      if (!peer.readingHeldFor(PAUSED_FOR_BUDGET)) peer.expireHeartbeat();
    }
    this.awaiting.clear();
    const elapsed = Date.now() - this.roundStart;
    this.schedule(() => this.pingAll(), Math.max(0, this.interval - elapsed));
  }
}
