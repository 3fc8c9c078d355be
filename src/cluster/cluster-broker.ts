import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import type { AckSink } from '../rooms/ack-collector.js';
import type {
  EtpBroadcastTarget,
  EtpBroker,
  EtpHistorySlice,
  EtpPosition,
  EtpRecoveryOptions,
  EtpSocketDescription,
} from '../rooms/etp-broker.js';
import type { EtpLocalRooms } from '../rooms/local-rooms.js';
import { checkRecoveryOptions } from '../rooms/recovery-options.js';
import type { BrokerContext } from './broker-context.js';
import { BrokerReports } from './broker-reports.js';
import { BroadcastDelivery } from './broadcast-delivery.js';
import { BroadcastPublisher } from './broadcasts.js';
import { channelsOf, type Channels } from './channels.js';
import { DropReason, Envelopes } from './envelope.js';
import { openInbound, replyMessages, type Lane } from './inbox.js';
import { isKept } from './kept.js';
import { KeptBroadcasts } from './kept-broadcasts.js';
import { Control, type ControlMessage, type ReplyMessage } from './messages.js';
import { Peers } from './peers.js';
import { Presence } from './presence.js';
import { RemoteRequests } from './remote-requests.js';
import { Requester } from './requester.js';
import { Signer } from './signing.js';
import { roomSubscriptions, type Subscriptions } from './subscriptions.js';
import type { ClusterBrokerOptions, TransportFactory } from './cluster-broker-options.js';
import type { ClusterTransport } from './transport.js';

/**
 * What instances say to each other, over any transport that publishes bytes on channels: a
 * broadcast is published once on each of its rooms' channels (once on the channel every
 * instance reads for a broadcast to everyone), and each instance listens on the channels of the
 * rooms and connections it holds, so it hears only what concerns its members. Requests
 * (`fetchSockets`, `emitWithAck`, `socketsJoin`, …) about one room go to the instances holding
 * a member of it when the transport counts listeners, to every instance alive otherwise
 * (requester.ts); presence is a heartbeat. A room's kept broadcasts are numbered and stored by the
 * transport (kept-broadcasts.ts). Every message is checked, may be signed, and is bounded (see
 * inbox.ts, shape.ts, limits.ts); every broadcast lost on the way is counted.
 */
export class ClusterBroker implements EtpBroker {
  /** This instance's id among the others. */
  readonly instance = randomBytes(8).toString('hex');
  protected readonly logger: Logger;
  private readonly channels: Channels;
  private readonly lanes: ReadonlyMap<string, Lane>;
  private readonly envelopes: Envelopes;
  private readonly transport: ClusterTransport;
  private readonly peers: Peers;
  private readonly requester: Requester;
  private readonly presence: Presence;
  private readonly reports: BrokerReports;
  private readonly delivery: BroadcastDelivery;
  private readonly broadcasts: BroadcastPublisher;
  private readonly kept: KeptBroadcasts;
  private readonly context: BrokerContext;
  private subscriptions: Subscriptions | undefined;
  private local!: EtpLocalRooms;
  private remote!: RemoteRequests;
  /** Made at init: the broker is often built before the application registers a MeterProvider. */
  private metrics: BrokerMetrics;
  private nextSeries = 0;

  constructor(
    private readonly name: string,
    private readonly system: string,
    options: ClusterBrokerOptions,
    transport: TransportFactory,
  ) {
    this.logger = new Logger(name);
    this.metrics = createBrokerMetrics(system);
    this.channels = channelsOf(options.prefix ?? 'etp', this.instance);
    this.lanes = new Map<string, Lane>([
      [this.channels.broadcast, 'broadcast'],
      [this.channels.control, 'control'],
      [this.channels.replies, 'reply'],
    ]);
    this.reports = new BrokerReports(this.logger, () => this.metrics);
    const key = options.signingKey;
    this.envelopes = new Envelopes(key === undefined ? undefined : new Signer(key));
    // A peer taken for gone keeps its broadcast numbers: when its silence was an outage of Redis
    // (swept right after the reconnection, before its first heartbeat), what it published while
    // this instance was not yet subscribed again still shows as a gap, and is counted lost.
    this.peers = new Peers(options.heartbeatTimeout ?? 10_000, (instance) => {
      this.requester.pending.peerGone(instance);
    });
    this.transport = transport(
      {
        onMessage: (channel, message) => this.receive(channel, message),
        onReady: () => {
          this.subscriptions?.retry();
          this.presence.back();
        },
        onError: (where, error) =>
          this.reports.dropped(
            DropReason.Failed,
            where,
            (error as Error)?.message ?? String(error),
          ),
      },
      this.logger,
    );
    this.presence = new Presence(
      this.instance,
      this.peers,
      (message) => this.control(message),
      () => this.transport.connected,
      options.heartbeatInterval ?? 5_000,
    );
    this.context = {
      from: this.instance,
      channels: this.channels,
      envelopes: this.envelopes,
      signed: key !== undefined,
      transport: this.transport,
      reports: this.reports,
      metrics: () => this.metrics,
      local: () => this.local,
    };
    const context = this.context;
    this.requester = new Requester(name, context, this.peers, options.requestTimeout ?? 5_000);
    this.broadcasts = new BroadcastPublisher(context, () => this.peers.size > 0);
    this.kept = new KeptBroadcasts(context, this.logger);
    this.delivery = new BroadcastDelivery(context, this.kept);
  }

  /** How many instances are known to be alive, this one included. */
  get instances(): number {
    return this.peers.size + 1;
  }

  /** How many room and connection channels this instance listens on now. */
  get roomChannels(): number {
    return this.subscriptions?.size ?? 0;
  }

  /** Whether the transport is up now, for the health indicator (`nestjs-etp/terminus`). */
  isConnected(): boolean {
    return this.transport.connected;
  }

  attach(local: EtpLocalRooms): void {
    this.local = local;
    this.remote = new RemoteRequests(local);
  }

  async init(): Promise<void> {
    const { broadcast, control, replies } = this.channels;
    this.metrics = createBrokerMetrics(this.system);
    await this.transport.open([broadcast, control, replies]);
    const subscriptions = roomSubscriptions(this.context, (channel) =>
      this.delivery.forgetChannel(channel),
    );
    this.subscriptions = subscriptions;
    this.local.registry.observeRooms(subscriptions);
    await subscriptions.flush();
    this.presence.start();
  }

  publish(target: EtpBroadcastTarget, event: string, data: unknown): void {
    if (!this.isLocalSocket(target)) this.broadcasts.publish(target, event, data);
  }

  requestAcks(
    target: EtpBroadcastTarget,
    event: string,
    data: unknown,
    timeout: number,
    collector: AckSink,
  ): void {
    this.requester.requestAcks(target, event, data, timeout, collector);
  }

  fetchRemoteSockets(target: EtpBroadcastTarget): Promise<EtpSocketDescription[]> {
    return this.gather<EtpSocketDescription>('fetchSockets', {
      kind: Control.FetchSockets,
      target,
    });
  }

  async joinRemote(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    await this.gather('socketsJoin', { kind: Control.SocketsJoin, target, rooms });
  }

  async leaveRemote(target: EtpBroadcastTarget, rooms: readonly string[]): Promise<void> {
    await this.gather('socketsLeave', { kind: Control.SocketsLeave, target, rooms });
  }

  async disconnectRemote(target: EtpBroadcastTarget, code: number, reason?: string): Promise<void> {
    await this.gather('disconnectSockets', {
      kind: Control.DisconnectSockets,
      target,
      code,
      reason,
    });
  }

  keepHistory(options: EtpRecoveryOptions): void {
    this.kept.configure(checkRecoveryOptions(options), this.name);
  }

  publishKept(room: string, target: EtpBroadcastTarget, event: string, data: unknown): void {
    this.kept.publish(room, target, event, data);
  }

  history(room: string, since: EtpPosition | undefined): Promise<EtpHistorySlice | undefined> {
    return this.kept.history(room, since);
  }

  /** Rejects when the transport refused to listen on the room's channel. */
  listening(room: string): Promise<void> {
    return this.subscriptions?.settled(room) ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.presence.stop();
    this.subscriptions?.stop();
    this.requester.pending.abortAll(new Error(`${this.name} closed`));
    this.reports.flush();
    await this.transport.close(
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

  private async gather<T>(what: string, message: Omit<ControlMessage, 'from' | 'request'>) {
    if (message.target !== undefined && this.isLocalSocket(message.target)) return [];
    return this.requester.gather<T>(what, message);
  }

  private control(message: ControlMessage): void {
    this.metrics.published();
    this.transport.publishQuietly(this.channels.control, this.envelopes.seal(message));
  }

  /** Every message of another instance comes here; nothing it holds is used unchecked. */
  private receive(channel: string, bytes: Buffer): void {
    const lane =
      this.lanes.get(channel) ?? (this.channels.roomOf(channel) === undefined ? undefined : 'room');
    if (lane === undefined) return;
    try {
      // Kept broadcasts come back to their publisher too: it writes its members from them.
      if (lane === 'room' && isKept(bytes)) {
        return this.delivery.deliverKept(this.channels.roomOf(channel)!, channel, bytes);
      }
      const inbound = openInbound(this.envelopes, this.instance, lane, bytes);
      switch (inbound.lane) {
        case 'own':
          if (lane === 'room') this.requester.echoed(bytes);
          return;
        case 'dropped':
          return this.reports.dropped(inbound.reason, channel, inbound.detail);
        case 'broadcast':
          return this.delivery.deliver(inbound.message, channel);
        case 'control':
          this.metrics.received();
          return this.answer(inbound.message, channel);
        case 'reply': {
          this.metrics.received();
          const problem = this.requester.pending.reply(inbound.message, inbound.length);
          if (problem !== undefined) this.reports.dropped(DropReason.Shape, channel, problem);
          return;
        }
      }
    } catch (error) {
      this.reports.dropped(DropReason.Failed, channel, (error as Error)?.message);
    }
  }

  private answer(message: ControlMessage, channel: string): void {
    const isNew = this.peers.seen(message.from);
    if (isNew === undefined) {
      return this.reports.dropped(DropReason.Overload, channel, 'too many instances');
    }
    if (this.presence.answer(message, isNew)) return;
    const to = this.channels.replyTo(message.from);
    const reply = (kind: ReplyMessage['kind'], value?: unknown): void => {
      const full: ReplyMessage = { request: message.request!, from: this.instance, kind, value };
      for (const bytes of replyMessages(this.envelopes, full, () => ++this.nextSeries)) {
        this.metrics.published();
        this.transport.publishQuietly(to, bytes);
      }
    };
    if (!this.remote.perform(message, reply)) {
      this.reports.dropped(DropReason.Overload, channel, 'too many emitWithAck requests at once');
    }
  }
}
