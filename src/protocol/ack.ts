/** An event name with this prefix answers a request: `__ack_<event>`. */
export const ACK_PREFIX = '__ack_';

/** The event that answers `event`: `__ack_<event>`. */
export function ackEventOf(event: string): string {
  return ACK_PREFIX + event;
}

export function isAckEvent(event: string): boolean {
  return event.startsWith(ACK_PREFIX);
}

/** Ack ids of one connection's own requests: 1, 2, 3, … as the reference counts them. */
export class AckIdSequence {
  private last = 0;

  next(): number {
    this.last = this.last === Number.MAX_SAFE_INTEGER ? 1 : this.last + 1;
    return this.last;
  }
}
