import { Control, type ControlMessage } from './messages.js';
import type { Peers } from './peers.js';

/**
 * This instance's presence among the others: a hello at start and after every outage (the
 * others answer with a heartbeat), a heartbeat every interval (which also sweeps the instances
 * silent too long), and the answers to theirs. The goodbye is the transport's last message.
 */
export class Presence {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly from: string,
    private readonly peers: Peers,
    /** Publishes a control message to every instance. */
    private readonly say: (message: ControlMessage) => void,
    private readonly connected: () => boolean,
    private readonly interval: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.connected()) this.peers.sweep();
      this.heartbeat();
    }, this.interval);
    this.timer.unref();
  }

  /** Up again after an outage: cut off from the others, this instance heard nobody. */
  back(): void {
    this.peers.refresh();
    this.say({ kind: Control.Hello, from: this.from });
  }

  /** Answers a presence message of another instance; `false` for any other message. */
  answer(message: ControlMessage, isNew: boolean): boolean {
    switch (message.kind) {
      case Control.Hello:
        this.heartbeat();
        return true;
      case Control.Heartbeat:
        if (isNew) this.heartbeat();
        return true;
      case Control.Bye:
        this.peers.forget(message.from);
        return true;
      default:
        return false;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private heartbeat(): void {
    this.say({ kind: Control.Heartbeat, from: this.from });
  }
}
