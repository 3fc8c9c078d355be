import { deserialize } from 'node:v8';
import type { BrokerContext } from '../../../src/cluster/broker-context.js';
import type { BrokerReports } from '../../../src/cluster/broker-reports.js';
import { channelsOf } from '../../../src/cluster/channels.js';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { Control, Reply, type ControlMessage } from '../../../src/cluster/messages.js';
import { Peers } from '../../../src/cluster/peers.js';
import { Requester } from '../../../src/cluster/requester.js';
import type { BrokerMetrics } from '../../../src/metrics/broker-metrics.js';
import { AckCollector } from '../../../src/rooms/ack-collector.js';
import type { EtpSocketDescription } from '../../../src/rooms/etp-broker.js';
import { MemoryBus } from './fake-bus.js';

const SELF = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const ROOM = { rooms: ['lobby'], except: [] };

/**
 * A requester on an in-memory bus. `counts`: the transport says how many listeners a message
 * reached, so a request about one room goes on that room's channel; this instance listens on it
 * and hears its own copy back, as it would from Redis.
 */
async function setup({ counts = false, peers = [B, C], timeout = 1_000 } = {}) {
  const bus = new MemoryBus();
  const channels = channelsOf('app', SELF);
  const transport = bus.transport(
    {
      onMessage: (channel, bytes) => {
        if (channel === channels.room('lobby')) requester.echoed(bytes);
      },
      onReady() {},
      onError() {},
    },
    counts,
  );
  await transport.listen([channels.room('lobby')]);
  const alive = new Peers(10_000, () => undefined);
  for (const peer of peers) alive.seen(peer);
  let published = 0;
  const context = {
    from: SELF,
    channels,
    envelopes: new Envelopes(),
    signed: false,
    transport,
    reports: {} as BrokerReports,
    metrics: () => ({ published: () => published++ }) as unknown as BrokerMetrics,
    local: () => {
      throw new Error('the requester asks only the others');
    },
  } satisfies BrokerContext;
  const requester = new Requester('TestBroker', context, alive, timeout);
  /** The requests that went out, with their channel. */
  const sent = (): Array<{ channel: string; message: ControlMessage }> =>
    bus.log.map(({ channel, bytes }) => ({
      channel,
      message: deserialize(bytes.subarray(17)) as ControlMessage,
    }));
  const reply = (request: number, from: string, kind: number, value?: unknown) =>
    requester.pending.reply({ request, from, kind: kind as 0, value }, 100);
  return { requester, transport, bus, sent, reply, published: () => published };
}

describe('Requester', () => {
  test('asks every instance alive on the control channel and gathers their replies', async () => {
    const { requester, sent, reply, published } = await setup();
    const gathered = requester.gather<EtpSocketDescription>('fetchSockets', {
      kind: Control.FetchSockets,
      target: ROOM,
    });
    const [{ channel, message }] = sent();
    expect(channel).toBe('app:control');
    expect(message).toMatchObject({ kind: Control.FetchSockets, from: SELF, target: ROOM });
    expect(published()).toBe(1);
    reply(message.request!, B, Reply.Sockets, [{ id: 'b1', rooms: ['lobby'] }]);
    // A reply from an instance nobody asked counts for nothing.
    reply(message.request!, 'dddddddddddddddd', Reply.Sockets, [{ id: 'forged', rooms: [] }]);
    reply(message.request!, C, Reply.Sockets, [{ id: 'c1', rooms: [] }]);
    await expect(gathered).resolves.toEqual([
      { id: 'b1', rooms: ['lobby'] },
      { id: 'c1', rooms: [] },
    ]);
    // Done: it waits for nothing any more, and a late reply finds no request.
    expect(requester.pending.get(message.request!)).toBeUndefined();
  });

  test('with no other instance alive, completes at once', async () => {
    const { requester } = await setup({ peers: [] });
    await expect(requester.gather('socketsJoin', { kind: Control.SocketsJoin })).resolves.toEqual(
      [],
    );
  });

  test('rejects at once when the transport cannot take the request, tracking nothing', async () => {
    const { requester, transport, sent } = await setup();
    transport.down = 'Redis is not connected (connecting)';
    await expect(requester.gather('socketsLeave', { kind: Control.SocketsLeave })).rejects.toThrow(
      'Redis is not connected (connecting)',
    );
    expect(sent()).toEqual([]);
    expect(requester.pending.get(requester.pending.next() - 1)).toBeUndefined();
  });

  test('rejects with how many instances did not answer in time', async () => {
    const { requester, sent, reply } = await setup({ timeout: 30 });
    const gathered = requester.gather('disconnectSockets', { kind: Control.DisconnectSockets });
    reply(sent()[0].message.request!, B, Reply.Done);
    await expect(gathered).rejects.toThrow(
      'TestBroker disconnectSockets: 1 other instance(s) did not answer within 30 ms',
    );
  });

  test('an instance that refuses fails the request with its reason', async () => {
    const { requester, sent, reply } = await setup();
    const gathered = requester.gather('fetchSockets', { kind: Control.FetchSockets });
    reply(sent()[0].message.request!, B, Reply.Refused, 'its reply is too long');
    await expect(gathered).rejects.toThrow(
      `TestBroker fetchSockets: instance ${B} refused it: its reply is too long`,
    );
  });

  test('a counted transport takes a one-room request to that room’s listeners alone', async () => {
    const { requester, sent, reply, bus } = await setup({ counts: true });
    // A second listener on the room: the request waits for it and for this instance's own copy.
    const other = bus.transport({ onMessage() {}, onReady() {}, onError() {} });
    await other.listen(['app:room{:lobby}']);
    const gathered = requester.gather<EtpSocketDescription>('fetchSockets', {
      kind: Control.FetchSockets,
      target: ROOM,
    });
    expect(sent()[0].channel).toBe('app:room{:lobby}');
    await bus.settle();
    reply(sent()[0].message.request!, B, Reply.Sockets, [{ id: 'b1', rooms: ['lobby'] }]);
    await expect(gathered).resolves.toEqual([{ id: 'b1', rooms: ['lobby'] }]);
  });

  test('a counted request waits for its own copy before it completes', async () => {
    const { requester, bus } = await setup({ counts: true, timeout: 200 });
    let done = false;
    const gathered = requester
      .gather('socketsJoin', { kind: Control.SocketsJoin, target: ROOM, rooms: ['x'] })
      .then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(false);
    await bus.settle();
    await gathered;
    expect(done).toBe(true);
  });

  test('a target of several rooms, or no counting transport, goes to the control channel', async () => {
    const counted = await setup({ counts: true, peers: [] });
    await counted.requester.gather('fetchSockets', {
      kind: Control.FetchSockets,
      target: { rooms: ['a', 'b'], except: [] },
    });
    const plain = await setup({ counts: false, peers: [] });
    await plain.requester.gather('fetchSockets', { kind: Control.FetchSockets, target: ROOM });
    expect([...counted.sent(), ...plain.sent()].map(({ channel }) => channel)).toEqual([
      'app:control',
      'app:control',
    ]);
  });

  test('a counted request the transport fails in flight is aborted with its error', async () => {
    const { requester, transport } = await setup({ counts: true });
    transport.publishOrFail = () => Promise.reject(new Error('MOVED 1234 10.0.0.2:6379'));
    await expect(
      requester.gather('fetchSockets', { kind: Control.FetchSockets, target: ROOM }),
    ).rejects.toThrow('MOVED 1234');
  });

  test('emitWithAck collects each instance’s answers after its count', async () => {
    const { requester, sent, reply } = await setup();
    const collector = new AckCollector('ask', 1_000);
    requester.requestAcks(ROOM, 'ask', { q: 1 }, 500, collector);
    const { channel, message } = sent()[0];
    expect(channel).toBe('app:control');
    expect(message).toMatchObject({ kind: Control.EmitWithAck, event: 'ask', timeout: 500 });
    const id = message.request!;
    reply(id, B, Reply.Count, 2);
    reply(id, B, Reply.Answer, 'b1');
    reply(id, C, Reply.Count, 0);
    // More answers than B said it asked for are not taken.
    reply(id, B, Reply.Answer, 'b2');
    reply(id, B, Reply.Answer, 'b3');
    await expect(collector.promise).resolves.toEqual(['b1', 'b2']);
    expect(requester.pending.get(id)).toBeUndefined();
  });

  test('emitWithAck throws when the transport cannot take it', async () => {
    const { requester, transport } = await setup();
    transport.down = 'down';
    const collector = new AckCollector('ask', 0);
    expect(() => requester.requestAcks(ROOM, 'ask', 1, 0, collector)).toThrow('down');
  });

  test('a counted emitWithAck stops waiting for counts after requestTimeout', async () => {
    const { requester, bus } = await setup({ counts: true, timeout: 30 });
    // A listener the transport counted, which never sends its count (it died).
    const silent = bus.transport({ onMessage() {}, onReady() {}, onError() {} });
    await silent.listen(['app:room{:lobby}']);
    const collector = new AckCollector('ask', 0);
    requester.requestAcks(ROOM, 'ask', 1, 0, collector);
    await expect(collector.promise).resolves.toEqual([]);
  });

  test('remembers the copies of at most 1 000 room requests: the oldest is forgotten', async () => {
    // The forgotten one ends by the timeout; the others must not: on a loaded machine, handing
    // 1,000 replies over can take longer than a short timeout.
    const { requester, bus } = await setup({ counts: true, peers: [], timeout: 2_000 });
    const outcomes: Array<Promise<string>> = [];
    for (let i = 0; i < 1_001; i++) {
      outcomes.push(
        requester.gather('fetchSockets', { kind: Control.FetchSockets, target: ROOM }).then(
          () => 'done',
          () => 'timed out',
        ),
      );
    }
    await bus.settle();
    const results = await Promise.all(outcomes);
    expect(results[0]).toBe('timed out');
    expect(results.slice(1).every((one) => one === 'done')).toBe(true);
  });
});
