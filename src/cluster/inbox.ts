import { serialize } from 'node:v8';
import { chunksOf } from './chunks.js';
import { DropReason, readBody, senderOf, SENDER_LENGTH, type Envelopes } from './envelope.js';
import { CHUNK_BYTES, MAX_REPLY_BYTES } from './limits.js';
import {
  Reply,
  type BroadcastMessage,
  type ControlMessage,
  type ReplyMessage,
} from './messages.js';
import { checkBroadcast, checkControl, checkReply, type Checked } from './shape.js';

/**
 * The kinds of channel an instance reads: a room's channel carries broadcasts to that room and
 * requests about it.
 */
export type Lane = 'broadcast' | 'control' | 'reply' | 'room';

/** A message from another instance, as far as its envelope and shape go. */
export type Inbound =
  | { readonly lane: 'broadcast'; readonly message: BroadcastMessage }
  | { readonly lane: 'control'; readonly message: ControlMessage }
  | { readonly lane: 'reply'; readonly message: ReplyMessage; readonly length: number }
  /** This instance's own message, which Redis hands back to it. */
  | { readonly lane: 'own' }
  | { readonly lane: 'dropped'; readonly reason: DropReason; readonly detail?: string };

const CHECKS: Record<
  Exclude<Lane, 'room'>,
  (value: unknown, sender: string) => Checked<unknown>
> = {
  broadcast: checkBroadcast,
  control: checkControl,
  reply: checkReply,
};

/**
 * Opens the bytes of one message on a lane: envelope, signature, body, shape. Nothing in it is
 * used before all four hold; whatever fails says why, for the count and the log.
 */
export function openInbound(
  envelopes: Envelopes,
  self: string,
  lane: Lane,
  bytes: Buffer,
): Inbound {
  if (bytes.length < SENDER_LENGTH) return { lane: 'dropped', reason: DropReason.Unreadable };
  const sender = senderOf(bytes);
  if (sender === self) return { lane: 'own' };
  const opened = envelopes.open(bytes);
  if (!opened.ok) return { lane: 'dropped', reason: opened.reason };
  const read = readBody(opened.body);
  if (read === undefined) return { lane: 'dropped', reason: DropReason.Unreadable };
  if (lane === 'room') lane = isRequest(read.value) ? 'control' : 'broadcast';
  const checked = CHECKS[lane](read.value, sender);
  if ('problem' in checked) {
    return { lane: 'dropped', reason: DropReason.Shape, detail: checked.problem };
  }
  if (lane === 'reply') {
    return { lane, message: checked.message as ReplyMessage, length: bytes.length };
  }
  return { lane, message: checked.message } as Inbound;
}

/**
 * A reply ready to publish: one message, or chunks of at most {@link CHUNK_BYTES} when it is
 * longer; past {@link MAX_REPLY_BYTES}, or for a value `node:v8` cannot carry, a refusal the
 * asker turns into a clear error (an answer to an ack that cannot be carried counts as missed).
 */
export function replyMessages(
  envelopes: Envelopes,
  reply: ReplyMessage,
  nextSeries: () => number,
): Buffer[] {
  let body: Buffer;
  try {
    body = serialize(reply);
  } catch (error) {
    return [
      envelopes.seal(refusal(reply, `its reply cannot be serialised: ${(error as Error).message}`)),
    ];
  }
  if (body.length > MAX_REPLY_BYTES) {
    return [
      envelopes.seal(
        refusal(
          reply,
          `its reply of ${body.length} bytes is over the ${MAX_REPLY_BYTES} bytes a reply may have`,
        ),
      ),
    ];
  }
  if (body.length <= CHUNK_BYTES) return [envelopes.sealBody(reply.from, body)];
  return chunksOf(body, reply, nextSeries()).map((chunk) => envelopes.seal(chunk));
}

function refusal(reply: ReplyMessage, why: string): ReplyMessage {
  const kind = reply.kind === Reply.Answer ? Reply.Missed : Reply.Refused;
  return {
    request: reply.request,
    from: reply.from,
    kind,
    value: kind === Reply.Refused ? why : undefined,
  };
}

/** A request carries its kind; a broadcast has none. */
function isRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value;
}
