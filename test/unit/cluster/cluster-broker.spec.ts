import { Logger } from '@nestjs/common';
import { ClusterBroker } from '../../../src/cluster/cluster-broker.js';
import type { ClusterBrokerOptions } from '../../../src/cluster/cluster-broker-options.js';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { MAX_PEERS } from '../../../src/cluster/limits.js';
import { Control } from '../../../src/cluster/messages.js';
import { Signer } from '../../../src/cluster/signing.js';
import { EtpMetricNames } from '../../../src/metrics/names.js';
import { AckCollector } from '../../../src/rooms/ack-collector.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { TestMeters } from '../../e2e/metrics/reader.js';
import { fake, FakeSocket } from '../rooms/fake-socket.js';
import { MemoryBus, type MemoryTransport } from './fake-bus.js';

const SYSTEM = 'memory';

/** One instance of the application: a broker on the shared bus, and its rooms. */
async function instance(bus: MemoryBus, options: ClusterBrokerOptions = {}, counts = false) {
  const registry = new RoomRegistry();
  let transport!: MemoryTransport;
  const broker = new ClusterBroker(
    'TestBroker',
    SYSTEM,
    { prefix: 'app', heartbeatInterval: 1_000, requestTimeout: 500, ...options },
    (handlers) => (transport = bus.transport(handlers, counts)),
  );
  broker.attach(new EtpLocalRooms(registry));
  await broker.init();
  /** A member of `rooms` here: what the broker wrote to it, and how it was closed. */
  const member = (rooms: string[]) => {
    const socket = FakeSocket.of();
    registry.join(socket, rooms);
    return fake(socket);
  };
  return { broker, registry, transport, member };
}

/** Instances on one bus that know each other. */
async function cluster(count: number, options: ClusterBrokerOptions = {}, counts = false) {
  const bus = new MemoryBus();
  const instances = [];
  for (let i = 0; i < count; i++) instances.push(await instance(bus, options, counts));
  await bus.settle();
  return { bus, instances };
}

let meters: TestMeters;
const brokers: ClusterBroker[] = [];

beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => (meters = new TestMeters().install()));
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  await meters.uninstall();
});

async function started(count: number, options: ClusterBrokerOptions = {}, counts = false) {
  const made = await cluster(count, options, counts);
  brokers.push(...made.instances.map((one) => one.broker));
  return made;
}

const dropped = (reason: string) =>
  meters.value(EtpMetricNames.BrokerMessagesDropped, {
    'messaging.system': SYSTEM,
    'error.type': reason,
  });

describe('ClusterBroker', () => {
  test('instances find each other by hello and heartbeat, and each has an id of its own', async () => {
    const { instances } = await started(3);
    expect(instances.map(({ broker }) => broker.instances)).toEqual([3, 3, 3]);
    expect(new Set(instances.map(({ broker }) => broker.instance)).size).toBe(3);
    for (const { broker } of instances) expect(broker.instance).toMatch(/^[0-9a-f]{16}$/);
    expect(instances[0].broker.isConnected()).toBe(true);
  });

  test('listens on the channel of each room and connection it has, and leaves those it lost', async () => {
    const { bus, instances } = await started(1);
    const [{ broker, registry, transport, member }] = instances;
    const one = member(['lobby', 'news']);
    await bus.settle();
    expect(broker.roomChannels).toBe(3);
    expect(transport.listening).toEqual(
      expect.arrayContaining(['app:room{:lobby}', 'app:room{:news}', `app:room{:${one.id}}`]),
    );
    registry.leave(one as never, ['news']);
    await bus.settle();
    expect(broker.roomChannels).toBe(2);
    expect(transport.listening).not.toContain('app:room{:news}');
  });

  test('a broadcast reaches the members of its rooms on the other instances, once each', async () => {
    const { bus, instances } = await started(2);
    const [a, b] = instances;
    const sender = a.member(['lobby']);
    const both = b.member(['lobby', 'news']);
    const news = b.member(['news']);
    const other = b.member(['elsewhere']);
    await bus.settle();
    a.broker.publish({ rooms: ['lobby', 'news'], except: [] }, 'chat', 'hi');
    await bus.settle();
    expect([both.written, news.written, other.written]).toEqual([
      ['chat||0||hi'],
      ['chat||0||hi'],
      [],
    ]);
    // The rooms service writes this instance's members itself: the broker does not.
    expect(sender.written).toEqual([]);
    expect(
      await meters.value(EtpMetricNames.BrokerMessagesPublished, { 'messaging.system': SYSTEM }),
    ).toBeGreaterThan(0);
  });

  test('a broadcast to everyone reaches every member elsewhere, but those excepted', async () => {
    const { bus, instances } = await started(2);
    const [a, b] = instances;
    const plain = b.member([]);
    const muted = b.member(['muted']);
    await bus.settle();
    a.broker.publish({ rooms: undefined, except: ['muted'] }, 'news', 1);
    await bus.settle();
    expect([plain.written, muted.written]).toEqual([['news||0||1'], []]);
  });

  test('a broadcast to one connection of this instance goes to nobody else', async () => {
    const { bus, instances } = await started(2);
    const [a] = instances;
    const local = a.member([]);
    await bus.settle();
    const before = bus.log.length;
    a.broker.publish({ rooms: [local.id], except: [] }, 'direct', 1);
    await expect(a.broker.fetchRemoteSockets({ rooms: [local.id], except: [] })).resolves.toEqual(
      [],
    );
    expect(bus.log.length).toBe(before);
  });

  test('fetchSockets, socketsJoin, socketsLeave and disconnectSockets act on the others', async () => {
    const { bus, instances } = await started(2);
    const [a, b] = instances;
    const remote = b.member(['lobby']);
    await bus.settle();
    const target = { rooms: ['lobby'], except: [] };
    await expect(a.broker.fetchRemoteSockets(target)).resolves.toEqual([
      { id: remote.id, rooms: ['lobby'] },
    ]);
    await a.broker.joinRemote(target, ['vip']);
    expect([...b.registry.roomsOf(remote as never)]).toEqual(['lobby', 'vip']);
    await a.broker.leaveRemote(target, ['lobby']);
    expect([...b.registry.roomsOf(remote as never)]).toEqual(['vip']);
    await a.broker.disconnectRemote({ rooms: ['vip'], except: [] }, 4000, 'bye');
    expect(remote.closes).toEqual([{ code: 4000, reason: 'bye' }]);
  });

  test('emitWithAck gathers the answers of the members on the other instances', async () => {
    const { bus, instances } = await started(3);
    const [a, b, c] = instances;
    b.member(['lobby']).reply = { answer: 'from b' };
    c.member(['lobby']).reply = { answer: 'from c' };
    await bus.settle();
    const collector = new AckCollector('ask', 1_000);
    a.broker.requestAcks({ rooms: ['lobby'], except: [] }, 'ask', null, 1_000, collector);
    expect((await collector.promise).sort()).toEqual(['from b', 'from c']);
  });

  test('a request about one room goes only to the instances holding it, when the bus counts', async () => {
    const { bus, instances } = await started(3, {}, true);
    const [a, b] = instances;
    const remote = b.member(['lobby']);
    await bus.settle();
    const before = bus.log.length;
    await expect(a.broker.fetchRemoteSockets({ rooms: ['lobby'], except: [] })).resolves.toEqual([
      { id: remote.id, rooms: ['lobby'] },
    ]);
    expect(bus.log.slice(before).map(({ channel }) => channel)[0]).toBe('app:room{:lobby}');
  });

  test('a request waits for no instance that said goodbye, and close aborts its own', async () => {
    const { bus, instances } = await started(2);
    const [a, b] = instances;
    await b.broker.close();
    await bus.settle();
    expect(a.broker.instances).toBe(1);
    await expect(a.broker.fetchRemoteSockets({ rooms: undefined, except: [] })).resolves.toEqual(
      [],
    );
    const c = await instance(bus);
    await bus.settle();
    // c knows a, but a cannot hear c once c stops answering: the request is pending when a closes.
    c.transport.handlers.onMessage = () => undefined;
    const pending = a.broker.fetchRemoteSockets({ rooms: undefined, except: [] });
    await a.broker.close();
    await c.broker.close();
    await expect(pending).rejects.toThrow('TestBroker closed');
  });

  test('a broadcast that cannot reach the transport while others are known is counted lost', async () => {
    const { instances } = await started(2);
    const [a] = instances;
    a.transport.down = 'Redis is not connected (reconnecting)';
    a.broker.publish({ rooms: ['lobby'], except: [] }, 'e', 1);
    expect(
      await meters.value(EtpMetricNames.BrokerBroadcastsLost, { 'messaging.system': SYSTEM }),
    ).toBe(1);
    expect(a.broker.isConnected()).toBe(false);
    await expect(a.broker.fetchRemoteSockets({ rooms: ['x'], except: [] })).rejects.toThrow(
      'Redis is not connected',
    );
  });

  test('bytes that are no message of ours are dropped and counted, never thrown', async () => {
    const { bus, instances } = await started(2, { signingKey: 'shared' });
    const [a, b] = instances;
    const member = b.member(['lobby']);
    await bus.settle();
    const unsigned = new Envelopes();
    const forged = new Envelopes(new Signer('guessed'));
    const message = {
      from: a.broker.instance.replace(/./, 'f'),
      seq: 1,
      n: 1,
      room: 'lobby',
      event: 'forged',
      data: 1,
      rooms: ['lobby'],
      except: [],
    };
    bus.publish('app:broadcast', Buffer.from('not an envelope'));
    bus.publish('app:broadcast', Buffer.alloc(0));
    bus.publish('app:room{:lobby}', unsigned.seal(message));
    bus.publish('app:room{:lobby}', forged.seal(message));
    bus.publish('app:control', Buffer.from(`${'0'.repeat(16)}\u0001${'x'.repeat(40)}`));
    bus.publish('app:unknown-channel', Buffer.from('ignored'));
    await bus.settle();
    expect(member.written).toEqual([]);
    // Both instances read the broadcast and control channels; only b has a member of lobby.
    expect(await dropped('unreadable')).toBe(4);
    expect(await dropped('unsigned')).toBe(1);
    expect(await dropped('bad_signature')).toBe(3);
    // Still working after all of it.
    a.broker.publish({ rooms: ['lobby'], except: [] }, 'real', 2);
    await bus.settle();
    expect(member.written).toEqual(['real||0||2']);
  });

  test('a copy heard again is dropped as replayed when signed', async () => {
    const { bus, instances } = await started(2, { signingKey: 'shared' });
    const [a, b] = instances;
    const member = b.member(['lobby']);
    await bus.settle();
    const before = bus.log.length;
    a.broker.publish({ rooms: ['lobby'], except: [] }, 'once', 1);
    const copy = bus.log[before];
    bus.publish(copy.channel, copy.bytes);
    await bus.settle();
    expect(member.written).toEqual(['once||0||1']);
    expect(await dropped('replayed')).toBe(1);
  });

  test(`tracks at most ${MAX_PEERS} other instances: heartbeats of more are dropped`, async () => {
    const { bus, instances } = await started(1);
    const [a] = instances;
    const envelopes = new Envelopes();
    for (let i = 0; i <= MAX_PEERS; i++) {
      const from = i.toString(16).padStart(16, '0');
      bus.publish('app:control', envelopes.seal({ kind: Control.Heartbeat, from }));
    }
    await bus.settle();
    expect(a.broker.instances).toBe(MAX_PEERS + 1);
    expect(await dropped('overload')).toBe(1);
  });

  test('an error the transport reports is counted as a failed message', async () => {
    const { instances } = await started(1);
    instances[0].transport.handlers.onError('a message', new Error('handler threw'));
    instances[0].transport.handlers.onError('a message', 'not even an Error');
    expect(await dropped('failed')).toBe(2);
  });

  test('refuses a prefix with a brace, and history on a transport without any', async () => {
    const bus = new MemoryBus();
    const make = (prefix: string) =>
      new ClusterBroker('TestBroker', SYSTEM, { prefix }, (handlers) => bus.transport(handlers));
    expect(() => make('a{b}')).toThrow('The channel prefix may hold no brace, got "a{b}"');
    expect(() => make('ok').keepHistory({ maxMessages: 10, maxDisconnection: 1_000 })).toThrow(
      'TestBroker cannot keep history: its transport has none',
    );
  });
});
