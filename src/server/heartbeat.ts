import { randomBytes } from 'node:crypto';
import type { EtpSocket } from './etp-socket.js';
import { PAUSED_FOR_BUDGET } from './read-pause.js';

const TOKEN_BYTES = 8;

/**
 * One timer per gateway, not per connection. A round pings every connection with a token of
 * its own; `timeout` later those whose pong did not echo that token are dropped, and the next
 * round starts `interval` after the previous one began (right away when `timeout` is longer).
 * Rounds never overlap, so every `interval`/`timeout` pair drops a silent peer.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private roundStart = 0;

  constructor(
    private readonly sockets: ReadonlyMap<string, EtpSocket>,
    private readonly interval: number,
    private readonly timeout: number,
  ) {}

  start(): void {
    this.schedule(() => this.pingAll(), this.interval);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(run: () => void, delay: number): void {
    this.timer = setTimeout(run, delay);
    this.timer.unref();
  }

  private pingAll(): void {
    this.roundStart = Date.now();
    const token = randomBytes(TOKEN_BYTES);
    for (const socket of this.sockets.values()) {
      socket.alive = false;
      socket.sendPing(token);
    }
    this.schedule(() => this.dropSilent(), this.timeout);
  }

  private dropSilent(): void {
    for (const socket of this.sockets.values()) {
      // A peer over its budget of events is not silent: the server is not reading its pong.
      if (!socket.alive && !socket.reading.holds(PAUSED_FOR_BUDGET)) socket.expireHeartbeat();
    }
    const elapsed = Date.now() - this.roundStart;
    this.schedule(() => this.pingAll(), Math.max(0, this.interval - elapsed));
  }
}
