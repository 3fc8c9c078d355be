import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AckCollector } from '../rooms/ack-collector.js';
import type { EtpBroadcastTarget, EtpBroker, EtpSocketDescription } from '../rooms/etp-broker.js';
import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import {
  channelsOf,
  Control,
  decodeMessage,
  encodeMessage,
  senderOf,
  type BroadcastMessage,
  type Channels,
  type ControlMessage,
  type ReplyMessage,
} from './messages.js';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import { Peers } from './peers.js';
import { carryOut } from './remote-requests.js';
import { AckRequest, GatherRequest, type PendingRequest } from './requests.js';
import { RedisLink } from './redis-link.js';

/** Options of `EtpRedisBroker`; every one has a default. */
export interface EtpRedisBrokerOptions {
  /** Where Redis is, when no `client` is given. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client to publish with; the broker subscribes on a `duplicate()` of it. The
   * broker closes the duplicate at shutdown, never this client.
   */
  client?: Redis;
  /** Prefix of the channel names, so that several applications can share one Redis. Default `etp`. */
  prefix?: string;
  /** How often an instance tells the others it is alive, ms. Default 5 000. */
  heartbeatInterval?: number;
  /** Silence after which an instance is taken for dead, ms. Default 10 000. */
  heartbeatTimeout?: number;
  /** How long `fetchSockets`, `socketsJoin`, … wait for the other instances, ms. Default 5 000. */
  requestTimeout?: number;
}

/** Where `EtpRedisBroker` looks for Redis without `url` or `client`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

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
  private readonly link: RedisLink;
  private readonly peers: Peers;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly heartbeatInterval: number;
  private readonly requestTimeout: number;
  private local!: EtpLocalRooms;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Made at init: the broker is often built before the application registers a MeterProvider. */
  private metrics: BrokerMetrics = createBrokerMetrics('redis');
  private nextRequest = 0;

  constructor(options: EtpRedisBrokerOptions = {}) {
    this.channels = channelsOf(options.prefix ?? 'etp', this.instance);
    this.heartbeatInterval = options.heartbeatInterval ?? 5_000;
    this.requestTimeout = options.requestTimeout ?? 5_000;
    this.peers = new Peers(options.heartbeatTimeout ?? 10_000, (instance) => {
      for (const request of this.pending.values()) request.peerGone(instance);
    });
    this.link = new RedisLink(options.client ?? options.url ?? DEFAULT_REDIS_URL, this.logger, {
      onMessage: (channel, message) => this.receive(channel, message),
      onReady: () => this.control({ kind: Control.Hello, from: this.instance }),
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
  }

  async init(): Promise<void> {
    const { broadcast, control, replies } = this.channels;
    this.metrics = createBrokerMetrics('redis');
    await this.link.open([broadcast, control, replies]);
    this.timer = setInterval(() => {
      this.peers.sweep();
      this.control({ kind: Control.Heartbeat, from: this.instance });
    }, this.heartbeatInterval);
    this.timer.unref();
  }

  emit(target: EtpBroadcastTarget, event: string, data: unknown): number {
    if (this.isLocalSocket(target)) return this.local.emit(target, event, data);
    const message: BroadcastMessage = {
      from: this.instance,
      event,
      data,
      rooms: target.rooms,
      except: target.except,
    };
    // Published before the local writes, so the other instances write to their members while
    // this one writes to its own, rather than after.
    this.metrics.published();
    this.link.publish(
      this.channels.broadcast,
      () => encodeMessage(message),
      `Broadcast "${event}"`,
    );
    return this.local.emit(target, event, data);
  }

  emitWithAck(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
  ): Promise<unknown[]> {
    const collector = new AckCollector(event, timeout);
    const id = this.nextId();
    const failure = this.request({ kind: Control.EmitWithAck, target, event, data, timeout }, id);
    if (failure !== undefined) return Promise.reject(failure);
    this.track(id, new AckRequest(collector, this.peers.alive()));
    collector.expect(this.local.requestAcks(target, event, data, timeout, collector));
    collector.check();
    const forget = (): void => void this.pending.delete(id);
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
    const closed = new Error('EtpRedisBroker closed');
    for (const request of [...this.pending.values()]) request.abort(closed);
    this.pending.clear();
    await this.link.close(
      encodeMessage({ kind: Control.Bye, from: this.instance }),
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

  private async gather<T>(
    what: string,
    message: Omit<ControlMessage, 'from' | 'request'>,
  ): Promise<T[]> {
    if (message.target !== undefined && this.isLocalSocket(message.target)) return [];
    const id = this.nextId();
    const failure = this.request(message, id);
    if (failure !== undefined) throw failure;
    const request = new GatherRequest<T>(
      `EtpRedisBroker ${what}`,
      new Set(this.peers.alive()),
      this.requestTimeout,
      () => this.pending.delete(id),
    );
    this.track(id, request);
    return request.start();
  }

  private track(id: number, request: PendingRequest): void {
    this.pending.set(id, request);
  }

  /** Publishes a request; an error when Redis cannot take it now. */
  private request(
    message: Omit<ControlMessage, 'from' | 'request'>,
    id: number,
  ): Error | undefined {
    const full: ControlMessage = { ...message, from: this.instance, request: id };
    this.metrics.published();
    return this.link.publishOrFail(this.channels.control, encodeMessage(full));
  }

  private control(message: ControlMessage): void {
    this.metrics.published();
    this.link.publishQuietly(this.channels.control, encodeMessage(message));
  }

  private nextId(): number {
    this.nextRequest = (this.nextRequest + 1) % Number.MAX_SAFE_INTEGER;
    return this.nextRequest;
  }

  private receive(channel: string, bytes: Buffer): void {
    if (senderOf(bytes) === this.instance) return;
    let message: BroadcastMessage | ControlMessage | ReplyMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      this.logger.warn(`Dropped an unreadable message on ${channel}: ${(error as Error).message}`);
      return;
    }
    this.metrics.received();
    if (channel === this.channels.broadcast) {
      const broadcast = message as BroadcastMessage;
      this.local.emit(broadcast, broadcast.event, broadcast.data);
    } else if (channel === this.channels.control) {
      this.answer(message as ControlMessage);
    } else {
      const reply = message as ReplyMessage;
      this.pending.get(reply.request)?.reply(reply);
    }
  }

  private answer(message: ControlMessage): void {
    const isNew = this.peers.seen(message.from);
    const reply = (kind: ReplyMessage['kind'], value?: unknown): void => {
      this.metrics.published();
      this.link.publishQuietly(
        this.channels.replyTo(message.from),
        encodeMessage({ request: message.request!, from: this.instance, kind, value }),
      );
    };
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
      default:
        carryOut(message, this.local, reply);
    }
  }
}
