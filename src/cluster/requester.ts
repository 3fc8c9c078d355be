import type { AckSink } from '../rooms/ack-collector.js';
import type { EtpBroadcastTarget } from '../rooms/etp-broker.js';
import type { BrokerContext } from './broker-context.js';
import { Control, type ControlMessage } from './messages.js';
import type { Peers } from './peers.js';
import { PendingRequests } from './pending-requests.js';
import { AckRequest, GatherRequest, type PendingRequest } from './requests.js';

/** How many of its requests on room channels an instance remembers, to know its own copy. */
const MAX_ECHOES = 1_000;

type Request = Omit<ControlMessage, 'from' | 'request'>;

/**
 * This instance's requests to the others and the replies they wait for. A request with a
 * one-room target goes, when the transport counts who got a message, on that room's channel:
 * only the instances holding a member of it hear it, and the request waits for as many replies
 * as the transport reached (this instance's own copy counts for itself). Any other goes on the
 * control channel, to every instance alive now.
 */
export class Requester {
  readonly pending = new PendingRequests();
  /** The bytes of each request published on a room channel, to know its copy coming back. */
  private readonly echoes = new Map<string, { bytes: Buffer; id: number }>();

  constructor(
    private readonly name: string,
    private readonly context: BrokerContext,
    private readonly peers: Peers,
    private readonly timeout: number,
  ) {}

  requestAcks(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
    collector: AckSink,
  ): void {
    const id = this.pending.next();
    const room = this.routedRoom(target);
    const channel =
      room === undefined ? this.context.channels.control : this.context.channels.room(room);
    const message: Request = { kind: Control.EmitWithAck, target, event, data, timeout };
    const sent = this.publish(channel, message, id);
    if (sent instanceof Error) throw sent;
    const request = new AckRequest(collector, room === undefined ? this.peers.alive() : undefined);
    this.pending.track(id, request);
    this.counted(room, sent, request);
    // A counted listener that died before its count is not waited for past requestTimeout.
    const cutoff =
      room === undefined ? undefined : setTimeout(() => request.stopCounting(), this.timeout);
    cutoff?.unref();
    const forget = (): void => {
      clearTimeout(cutoff);
      this.pending.forget(id);
      this.echoes.delete(String(id));
    };
    collector.promise.then(forget, forget);
  }

  gather<T>(what: string, message: Request): Promise<T[]> {
    const id = this.pending.next();
    const room = this.routedRoom(message.target);
    const channel =
      room === undefined ? this.context.channels.control : this.context.channels.room(room);
    const sent = this.publish(channel, message, id);
    if (sent instanceof Error) return Promise.reject(sent);
    const request = new GatherRequest<T>(
      `${this.name} ${what}`,
      room === undefined ? new Set(this.peers.alive()) : undefined,
      this.timeout,
      () => {
        this.pending.forget(id);
        this.echoes.delete(String(id));
      },
    );
    this.pending.track(id, request);
    this.counted(room, sent, request);
    return request.start();
  }

  /** A request on a room's channel learns how many listeners it reached. */
  private counted(
    room: string | undefined,
    sent: Promise<number | undefined>,
    request: Pick<PendingRequest, 'abort'> & { reached(count: number): void },
  ): void {
    if (room === undefined) {
      sent.catch(() => undefined);
      return;
    }
    sent.then(
      (count) => request.reached(count ?? 0),
      (error: Error) => request.abort(error),
    );
  }

  /** This instance's own message came back on a room channel: a request of its own counts. */
  echoed(bytes: Buffer): void {
    for (const [key, echo] of this.echoes) {
      if (echo.bytes.equals(bytes)) {
        this.echoes.delete(key);
        this.pending.get(echo.id)?.echoed?.(this.context.from);
        return;
      }
    }
  }

  private routedRoom(target: EtpBroadcastTarget | undefined): string | undefined {
    if (this.context.transport.countsListeners !== true) return undefined;
    const rooms = target?.rooms;
    return rooms?.length === 1 ? rooms[0] : undefined;
  }

  /** Publishes a request: an error when the transport cannot take it now. */
  private publish(
    channel: string,
    message: Request,
    id: number,
  ): Error | Promise<number | undefined> {
    const full: ControlMessage = { ...message, from: this.context.from, request: id };
    const bytes = this.context.envelopes.seal(full);
    this.context.metrics().published();
    if (channel !== this.context.channels.control) {
      if (this.echoes.size >= MAX_ECHOES) this.echoes.delete(this.echoes.keys().next().value!);
      this.echoes.set(String(id), { bytes, id });
    }
    return this.context.transport.publishOrFail(channel, bytes);
  }
}
