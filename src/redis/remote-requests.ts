import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import { Control, Reply, type ControlMessage, type ReplyKind } from './messages.js';

/** Sends one reply to the instance that asked. */
export type Answer = (kind: ReplyKind, value?: unknown) => void;

/**
 * Does this instance's part of another instance's request, on its own members, and answers it:
 * `Count` first for an `emitWithAck`, so the asker knows how many answers to wait for.
 */
export function carryOut(message: ControlMessage, local: EtpLocalRooms, reply: Answer): void {
  const target = message.target!;
  switch (message.kind) {
    case Control.FetchSockets:
      reply(Reply.Sockets, local.describe(target));
      return;
    case Control.SocketsJoin:
      local.join(target, message.rooms!);
      reply(Reply.Done);
      return;
    case Control.SocketsLeave:
      local.leave(target, message.rooms!);
      reply(Reply.Done);
      return;
    case Control.DisconnectSockets:
      local.disconnect(target, message.code!, message.reason);
      reply(Reply.Done);
      return;
    case Control.EmitWithAck: {
      const asked = local.requestAcks(target, message.event!, message.data, message.timeout!, {
        answer: (value) => reply(Reply.Answer, value),
        miss: () => reply(Reply.Missed),
        gone: () => reply(Reply.Gone),
      });
      reply(Reply.Count, asked);
      return;
    }
  }
}
