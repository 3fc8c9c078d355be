import type { EtpSocket } from './etp-socket.js';

/**
 * One timer pair per gateway, not per connection: every `interval` all connections are pinged,
 * and `timeout` later those that have not answered are dropped.
 */
export class Heartbeat {
  private round: ReturnType<typeof setInterval> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sockets: ReadonlyMap<string, EtpSocket>,
    private readonly interval: number,
    private readonly timeout: number,
  ) {}

  start(): void {
    this.round = setInterval(() => this.pingAll(), this.interval);
    this.round.unref();
  }

  stop(): void {
    clearInterval(this.round);
    clearTimeout(this.deadline);
    this.round = this.deadline = undefined;
  }

  private pingAll(): void {
    for (const socket of this.sockets.values()) {
      socket.alive = false;
      socket.sendPing();
    }
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.dropSilent(), this.timeout);
    this.deadline.unref();
  }

  private dropSilent(): void {
    for (const socket of this.sockets.values()) {
      if (!socket.alive) socket.expireHeartbeat();
    }
  }
}
