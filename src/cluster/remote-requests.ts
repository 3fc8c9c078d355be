import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import {
  MAX_PEER_ACK_REQUESTS,
  MAX_PEER_ACK_REQUESTS_TOTAL,
  MAX_PEER_ACK_TIMEOUT,
} from './limits.js';
import { Control, Reply, type ControlMessage, type ReplyKind } from './messages.js';

/** Sends one reply to the instance that asked. */
export type SendReply = (kind: ReplyKind, value?: unknown) => void;

/** A peer's `emitWithAck` timeout as this instance applies it: none (`0`) or too long is cut. */
export function peerAckTimeout(timeout: number): number {
  return timeout > 0 && timeout <= MAX_PEER_ACK_TIMEOUT ? timeout : MAX_PEER_ACK_TIMEOUT;
}

/**
 * Does this instance's part of other instances' requests, on its own members, and answers
 * them: `Count` first for an `emitWithAck`, so the asker knows how many answers to wait for.
 * An `emitWithAck` holds memory here until its members answered or timed out, so how many run
 * at once is bounded per asking instance and in all; one past the bound is answered with a
 * count of 0 (its asker then waits for nobody here) and reported as refused.
 */
export class RemoteRequests {
  private readonly running = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly local: EtpLocalRooms,
    private readonly maxPerPeer = MAX_PEER_ACK_REQUESTS,
    private readonly maxTotal = MAX_PEER_ACK_REQUESTS_TOTAL,
  ) {}

  /** `emitWithAck` requests of other instances running here now. */
  get size(): number {
    return this.total;
  }

  /** Does what a checked request asks of this instance; `false` when it was refused. */
  perform(message: ControlMessage, reply: SendReply): boolean {
    const local = this.local;
    const target = message.target!;
    switch (message.kind) {
      case Control.FetchSockets:
        reply(Reply.Sockets, local.describe(target));
        return true;
      case Control.SocketsJoin:
        local.join(target, message.rooms!);
        reply(Reply.Done);
        return true;
      case Control.SocketsLeave:
        local.leave(target, message.rooms!);
        reply(Reply.Done);
        return true;
      case Control.DisconnectSockets:
        local.disconnect(target, message.code!, message.reason);
        reply(Reply.Done);
        return true;
      case Control.EmitWithAck:
        return this.requestAcks(message, reply);
      default:
        return true;
    }
  }

  private requestAcks(message: ControlMessage, reply: SendReply): boolean {
    const from = message.from;
    const running = this.running.get(from) ?? 0;
    if (running >= this.maxPerPeer || this.total >= this.maxTotal) {
      reply(Reply.Count, 0);
      return false;
    }
    this.running.set(from, running + 1);
    this.total++;
    let asked: number | undefined;
    let settled = 0;
    let finished = false;
    /** Frees this request's place in the bounds, once. */
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.total--;
      const left = (this.running.get(from) ?? 1) - 1;
      if (left === 0) this.running.delete(from);
      else this.running.set(from, left);
    };
    const settle = (): void => {
      settled++;
      if (asked !== undefined && settled >= asked) finish();
    };
    try {
      asked = this.local.requestAcks(
        message.target!,
        message.event!,
        message.data,
        peerAckTimeout(message.timeout!),
        {
          answer: (value) => {
            reply(Reply.Answer, value);
            settle();
          },
          miss: () => {
            reply(Reply.Missed);
            settle();
          },
          gone: () => {
            reply(Reply.Gone);
            settle();
          },
        },
      );
    } catch (error) {
      finish();
      throw error;
    }
    reply(Reply.Count, asked);
    if (settled >= asked) finish();
    return true;
  }
}
