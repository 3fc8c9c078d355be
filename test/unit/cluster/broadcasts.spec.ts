import type { BrokerContext } from '../../../src/cluster/broker-context.js';
import type { BrokerReports } from '../../../src/cluster/broker-reports.js';
import { BroadcastPublisher } from '../../../src/cluster/broadcasts.js';
import { channelsOf } from '../../../src/cluster/channels.js';
import { Envelopes, readBody, senderOf } from '../../../src/cluster/envelope.js';
import type { BroadcastMessage } from '../../../src/cluster/messages.js';
import { checkBroadcast } from '../../../src/cluster/shape.js';
import { Signer } from '../../../src/cluster/signing.js';
import type { BrokerMetrics } from '../../../src/metrics/broker-metrics.js';
import { EtpFrameError } from '../../../src/protocol/errors.js';
import { MemoryBus } from './fake-bus.js';

const SELF = 'aaaaaaaaaaaaaaaa';

function setup(othersKnown = true) {
  const bus = new MemoryBus();
  const transport = bus.transport({ onMessage() {}, onReady() {}, onError() {} });
  const envelopes = new Envelopes(new Signer('key'));
  const reports = { lost: [] as string[], failed: [] as string[] };
  let published = 0;
  const context = {
    from: SELF,
    channels: channelsOf('app', SELF),
    envelopes,
    signed: true,
    transport,
    reports: {
      lost: (event: string, why: string) => reports.lost.push(`${event}: ${why}`),
      publishFailed: (event: string, why: string) => reports.failed.push(`${event}: ${why}`),
    } as unknown as BrokerReports,
    metrics: () => ({ published: () => published++ }) as unknown as BrokerMetrics,
    local: () => {
      throw new Error('a publisher never writes to local members');
    },
  } satisfies BrokerContext;
  const publisher = new BroadcastPublisher(context, () => othersKnown);
  /** What went on the bus, opened and checked as a receiving instance would. */
  const sent = (): Array<{ channel: string; message: BroadcastMessage }> =>
    bus.log.map(({ channel, bytes }) => {
      const opened = envelopes.open(bytes);
      if (!opened.ok) throw new Error(opened.reason);
      const checked = checkBroadcast(readBody(opened.body)!.value, senderOf(bytes));
      if ('problem' in checked) throw new Error(checked.problem);
      return { channel, message: checked.message };
    });
  return { publisher, transport, reports, sent, published: () => published };
}

describe('BroadcastPublisher', () => {
  test('a broadcast to everyone is one copy on the channel every instance reads', () => {
    const { publisher, sent, published } = setup();
    publisher.publish({ rooms: undefined, except: ['muted'] }, 'news', { big: 1n });
    expect(sent()).toEqual([
      {
        channel: 'app:broadcast',
        message: {
          from: SELF,
          seq: 1,
          n: 1,
          room: undefined,
          event: 'news',
          data: { big: 1n },
          rooms: undefined,
          except: ['muted'],
        },
      },
    ]);
    expect(published()).toBe(1);
  });

  test('a broadcast to rooms is one copy per distinct room, each saying its room', () => {
    const { publisher, sent, published } = setup();
    publisher.publish({ rooms: ['a', 'b', 'a'], except: [] }, 'e', 'x');
    expect(sent().map(({ channel, message }) => [channel, message.room, message.rooms])).toEqual([
      ['app:room{:a}', 'a', ['a', 'b', 'a']],
      ['app:room{:b}', 'b', ['a', 'b', 'a']],
    ]);
    expect(published()).toBe(2);
  });

  test('numbers each copy: seq across every channel, n per channel', () => {
    const { publisher, sent } = setup();
    publisher.publish({ rooms: ['a', 'b'], except: [] }, 'e', 1);
    publisher.publish({ rooms: ['a'], except: [] }, 'e', 2);
    publisher.publish({ rooms: undefined, except: [] }, 'e', 3);
    expect(sent().map(({ channel, message }) => [channel, message.seq, message.n])).toEqual([
      ['app:room{:a}', 1, 1],
      ['app:room{:b}', 2, 1],
      ['app:room{:a}', 3, 2],
      ['app:broadcast', 4, 1],
    ]);
  });

  test('refuses an event the frame codec refuses, before anything goes out', () => {
    const { publisher, sent, reports } = setup();
    expect(() => publisher.publish({ rooms: ['a'], except: [] }, 'bad||name', 1)).toThrow(
      EtpFrameError,
    );
    expect(sent()).toEqual([]);
    expect(reports.lost).toEqual([]);
  });

  test('data node:v8 cannot carry is lost, and takes no number: the receivers see no gap', () => {
    const { publisher, sent, reports } = setup();
    publisher.publish({ rooms: ['a'], except: [] }, 'fn', () => 1);
    publisher.publish({ rooms: ['a'], except: [] }, 'ok', 1);
    expect(reports.lost).toEqual([expect.stringMatching(/^fn: its data cannot be serialised: /)]);
    expect(sent().map(({ message }) => [message.event, message.seq, message.n])).toEqual([
      ['ok', 1, 1],
    ]);
  });

  test('with the transport down, each copy is lost while other instances are known', () => {
    const { publisher, transport, sent, reports, published } = setup(true);
    transport.down = 'Redis is not connected (reconnecting)';
    publisher.publish({ rooms: ['a', 'b'], except: [] }, 'e', 1);
    expect(reports.lost).toEqual([
      'e: Redis is not connected (reconnecting)',
      'e: Redis is not connected (reconnecting)',
    ]);
    expect(published()).toBe(2);
    transport.down = undefined;
    publisher.publish({ rooms: ['a'], except: [] }, 'e', 2);
    // A copy that never went took no number either.
    expect(sent().map(({ message }) => [message.seq, message.n])).toEqual([[1, 1]]);
  });

  test('with the transport down and nobody else known, nothing is lost', () => {
    const { publisher, transport, reports } = setup(false);
    transport.down = 'down';
    publisher.publish({ rooms: undefined, except: [] }, 'e', 1);
    expect(reports.lost).toEqual([]);
  });

  test('a publish that fails in flight is reported, not counted lost', () => {
    const { publisher, transport, reports } = setup();
    transport.publish = (_channel, _bytes, failed) => failed('connection reset');
    publisher.publish({ rooms: ['a'], except: [] }, 'e', 1);
    expect(reports.failed).toEqual(['e: connection reset']);
    expect(reports.lost).toEqual([]);
  });
});
