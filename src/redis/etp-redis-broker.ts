import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DropReason, Envelopes } from '../cluster/envelope.js';
import { openInbound, replyMessages, type Lane } from '../cluster/inbox.js';
import {
  Control,
  type BroadcastMessage,
  type ControlMessage,
  type ReplyMessage,
} from '../cluster/messages.js';
import { Peers } from '../cluster/peers.js';
import { RemoteRequests } from '../cluster/remote-requests.js';
import { PendingRequests } from '../cluster/pending-requests.js';
import { AckRequest, GatherRequest } from '../cluster/requests.js';
import { Sequences } from '../cluster/sequences.js';
import { Signer } from '../cluster/signing.js';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import { encodeFrame } from '../protocol/frame.js';
import { AckCollector } from '../rooms/ack-collector.js';
import type { EtpBroadcastTarget, EtpBroker, EtpSocketDescription } from '../rooms/etp-broker.js';
import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import { BrokerReports } from './broker-reports.js';
import { channelsOf, type Channels } from './channels.js';
import { RedisLink } from './redis-link.js';
import { DEFAULT_REDIS_URL, type EtpRedisBrokerOptions } from './redis-broker-options.js';

/**
 * The broker for several instances of one application, over Redis pub/sub: a broadcast is
 * written to this instance's members at once and published once for the others, each of which
 * encodes it once per payload codec for its own members. Requests (`fetchSockets`,
 * `emitWithAck`, `socketsJoin`, …) wait for the instances alive at that moment.
 */
export class EtpRedisBroker implements EtpBroker {
  /** This instance's id among the others. */
  readonly instance = randomBytes(8).toString('hex');
  private readonly logger = new Logger('EtpRedisBroker');
  private readonly channels: Channels;
  private readonly lanes: ReadonlyMap<string, Lane>;
  private readonly envelopes: Envelopes;
  private readonly link: RedisLink;
  private readonly peers: Peers;
  private readonly pending = new PendingRequests();
  private readonly heartbeatInterval: number;
  private readonly requestTimeout: number;
  private readonly reports: BrokerReports;
  private local!: EtpLocalRooms;
  private remote!: RemoteRequests;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Made at init: the broker is often built before the application registers a MeterProvider. */
  private metrics: BrokerMetrics = createBrokerMetrics('redis');
  private nextSeries = 0;
  /** The number of this instance's last broadcast handed to Redis. */
  private broadcastSeq = 0;
  private readonly sequences: Sequences;

  constructor(options: EtpRedisBrokerOptions = {}) {
    this.channels = channelsOf(options.prefix ?? 'etp', this.instance);
    this.lanes = new Map<string, Lane>([
      [this.channels.broadcast, 'broadcast'],
      [this.channels.control, 'control'],
      [this.channels.replies, 'reply'],
    ]);
    const key = options.signingKey;
    this.envelopes = new Envelopes(key === undefined ? undefined : new Signer(key));
    this.sequences = new Sequences(key !== undefined);
    this.heartbeatInterval = options.heartbeatInterval ?? 5_000;
    this.requestTimeout = options.requestTimeout ?? 5_000;
    this.reports = new BrokerReports(this.logger, () => this.metrics);
    // A peer taken for gone keeps its broadcast number: when its silence was an outage of Redis
    // (swept right after the reconnection, before its first heartbeat), what it published while
    // this instance was not yet subscribed again still shows as a gap, and is counted lost.
    this.peers = new Peers(options.heartbeatTimeout ?? 10_000, (instance) => {
      this.pending.peerGone(instance);
    });
    this.link = new RedisLink(options.client ?? options.url ?? DEFAULT_REDIS_URL, this.logger, {
      onMessage: (channel, message) => this.receive(channel, message),
      onReady: () => {
        // Cut off from the others, this instance heard nobody: that says nothing of them.
        this.peers.refresh();
        this.control({ kind: Control.Hello, from: this.instance });
      },
      onError: (where, error) =>
        this.reports.dropped(DropReason.Failed, where, (error as Error)?.message ?? String(error)),
    });
  }

  /** How many instances are known to be alive, this one included. */
  get instances(): number {
    return this.peers.size + 1;
  }

  /** Whether Redis is reachable now, for the health indicator (`nestjs-etp/terminus`). */
  isConnected(): boolean {
    return this.link.connected;
  }

  attach(local: EtpLocalRooms): void {
    this.local = local;
    this.remote = new RemoteRequests(local);
  }

  async init(): Promise<void> {
    const { broadcast, control, replies } = this.channels;
    this.metrics = createBrokerMetrics('redis');
    await this.link.open([broadcast, control, replies]);
    this.timer = setInterval(() => {
      if (this.link.connected) this.peers.sweep();
      this.control({ kind: Control.Heartbeat, from: this.instance });
    }, this.heartbeatInterval);
    this.timer.unref();
  }

  emit(target: EtpBroadcastTarget, event: string, data: unknown): number {
    if (this.isLocalSocket(target)) return this.local.emit(target, event, data);
    // An event the frame codec refuses is refused here, before the others get it.
    encodeFrame(event, 0);
    this.metrics.published();
    // Published before the local writes, so the other instances write to their members while
    // this one writes to its own, rather than after.
    const { rooms, except } = target;
    this.publishBroadcast({ from: this.instance, event, data, rooms, except });
    return this.local.emit(target, event, data);
  }

  emitWithAck(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
  ): Promise<unknown[]> {
    const collector = new AckCollector(event, timeout);
    const id = this.pending.next();
    const failure = this.request({ kind: Control.EmitWithAck, target, event, data, timeout }, id);
    if (failure !== undefined) return Promise.reject(failure);
    this.pending.track(id, new AckRequest(collector, this.peers.alive()));
    collector.expect(this.local.requestAcks(target, event, data, timeout, collector));
    collector.check();
    const forget = (): void => this.pending.forget(id);
    collector.promise.then(forget, forget);
    return collector.promise;
  }

  async fetchSockets(target: EtpBroadcastTarget): Promise<EtpSocketDescription[]> {
    const remote = await this.gather<EtpSocketDescription>('fetchSockets', {
      kind: Control.FetchSockets,
      target,
    });
    return [...this.local.describe(target), ...remote];
  }

  async socketsJoin(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    this.local.join(target, rooms);
    await this.gather('socketsJoin', { kind: Control.SocketsJoin, target, rooms });
  }

  async socketsLeave(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    this.local.leave(target, rooms);
    await this.gather('socketsLeave', { kind: Control.SocketsLeave, target, rooms });
  }

  async disconnectSockets(
    target: EtpBroadcastTarget,
    code: number,
    reason?: string,
  ): Promise<void> {
    this.local.disconnect(target, code, reason);
    await this.gather('disconnectSockets', {
      kind: Control.DisconnectSockets,
      target,
      code,
      reason,
    });
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.pending.abortAll(new Error('EtpRedisBroker closed'));
    this.reports.flush();
    await this.link.close(
      this.envelopes.seal({ kind: Control.Bye, from: this.instance }),
      this.channels.control,
    );
  }

  /** A target that is one socket of this instance needs nobody else. */
  private isLocalSocket(target: EtpBroadcastTarget): boolean {
    const rooms = target.rooms;
    if (rooms === undefined || rooms.length !== 1) return false;
    const registry = this.local.registry;
    return registry.get(rooms[0]) !== undefined && registry.roomSize(rooms[0]) === 0;
  }

  /**
   * Numbers a broadcast and publishes it. One that cannot reach Redis while other instances are
   * known is counted lost here; one Redis may or may not have taken (a publish that failed in
   * flight) is only reported: the receivers count it, by the gap in the numbers, if they missed it.
   */
  private publishBroadcast(message: Omit<BroadcastMessage, 'seq'>): void {
    const { event } = message;
    const unavailable = this.link.unavailable;
    if (unavailable !== undefined) {
      if (this.peers.size > 0) this.reports.lost(event, unavailable);
      return;
    }
    const seq = this.broadcastSeq + 1;
    let bytes: Buffer;
    try {
      bytes = this.envelopes.seal({ ...message, seq });
    } catch (error) {
      return this.reports.lost(event, `its data cannot be serialised: ${(error as Error).message}`);
    }
    this.broadcastSeq = seq;
    this.link.publish(this.channels.broadcast, bytes, (why) =>
      this.reports.publishFailed(event, why),
    );
  }

  private async gather<T>(
    what: string,
    message: Omit<ControlMessage, 'from' | 'request'>,
  ): Promise<T[]> {
    if (message.target !== undefined && this.isLocalSocket(message.target)) return [];
    const id = this.pending.next();
    const failure = this.request(message, id);
    if (failure !== undefined) throw failure;
    const request = new GatherRequest<T>(
      `EtpRedisBroker ${what}`,
      new Set(this.peers.alive()),
      this.requestTimeout,
      () => this.pending.forget(id),
    );
    this.pending.track(id, request);
    return request.start();
  }

  /** Publishes a request; an error when Redis cannot take it now. */
  private request(
    message: Omit<ControlMessage, 'from' | 'request'>,
    id: number,
  ): Error | undefined {
    const full: ControlMessage = { ...message, from: this.instance, request: id };
    this.metrics.published();
    return this.link.publishOrFail(this.channels.control, this.envelopes.seal(full));
  }

  private control(message: ControlMessage): void {
    this.metrics.published();
    this.link.publishQuietly(this.channels.control, this.envelopes.seal(message));
  }

  /** Every message of another instance comes here; nothing it holds is used unchecked. */
  private receive(channel: string, bytes: Buffer): void {
    const lane = this.lanes.get(channel);
    if (lane === undefined) return;
    try {
      const inbound = openInbound(this.envelopes, this.instance, lane, bytes);
      switch (inbound.lane) {
        case 'own':
          return;
        case 'dropped':
          return this.reports.dropped(inbound.reason, channel, inbound.detail);
        case 'broadcast':
          return this.deliver(inbound.message, channel);
        case 'control':
          this.metrics.received();
          return this.answer(inbound.message, channel);
        case 'reply': {
          this.metrics.received();
          const problem = this.pending.reply(inbound.message, inbound.length);
          if (problem !== undefined) this.reports.dropped(DropReason.Shape, channel, problem);
          return;
        }
      }
    } catch (error) {
      this.reports.dropped(DropReason.Failed, channel, (error as Error)?.message);
    }
  }

  private deliver(message: BroadcastMessage, channel: string): void {
    const missed = this.sequences.take(message.from, message.seq);
    if (missed < 0) return this.reports.dropped(DropReason.Replayed, channel);
    if (missed > 0) this.reports.missed(message.from, missed);
    this.metrics.received();
    this.local.emit(message, message.event, message.data);
  }

  private answer(message: ControlMessage, channel: string): void {
    const isNew = this.peers.seen(message.from);
    if (isNew === undefined) {
      return this.reports.dropped(DropReason.Overload, channel, 'too many instances');
    }
    switch (message.kind) {
      case Control.Hello:
        this.control({ kind: Control.Heartbeat, from: this.instance });
        return;
      case Control.Heartbeat:
        if (isNew) this.control({ kind: Control.Heartbeat, from: this.instance });
        return;
      case Control.Bye:
        this.peers.forget(message.from);
        return;
    }
    const to = this.channels.replyTo(message.from);
    const reply = (kind: ReplyMessage['kind'], value?: unknown): void => {
      const full: ReplyMessage = { request: message.request!, from: this.instance, kind, value };
      for (const bytes of replyMessages(this.envelopes, full, () => ++this.nextSeries)) {
        this.metrics.published();
        this.link.publishQuietly(to, bytes);
      }
    };
    if (!this.remote.carryOut(message, reply)) {
      this.reports.dropped(DropReason.Overload, channel, 'too many emitWithAck requests at once');
    }
  }
}
