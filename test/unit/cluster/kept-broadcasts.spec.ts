import { Logger } from '@nestjs/common';
import type { BrokerContext } from '../../../src/cluster/broker-context.js';
import type { BrokerReports } from '../../../src/cluster/broker-reports.js';
import { channelsOf } from '../../../src/cluster/channels.js';
import { Envelopes } from '../../../src/cluster/envelope.js';
import { KeptBroadcasts } from '../../../src/cluster/kept-broadcasts.js';
import { Signer } from '../../../src/cluster/signing.js';
import type {
  ClusterTransport,
  StoredEntry,
  StoredHistory,
} from '../../../src/cluster/transport.js';
import type { BrokerMetrics } from '../../../src/metrics/broker-metrics.js';
import type { EtpKeptBroadcast, EtpPosition } from '../../../src/rooms/etp-broker.js';
import type { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';

const SELF = 'aaaaaaaaaaaaaaaa';
const EPOCH = '0123456789abcdef0123456789abcdef';
const NOW = 1_700_000_000_000;
const LIMITS = { maxMessages: 5, maxDisconnection: 1_000 };

/** A store that answers what the test says, and records what it was handed. */
function setup(stored: StoredHistory | Error = { epoch: EPOCH, offset: 0, now: NOW, entries: [] }) {
  const published: Buffer[] = [];
  const transport = {
    unavailable: undefined as string | undefined,
    publishKept: (_keys: unknown, bytes: Buffer) => published.push(bytes),
    readHistory: () => (stored instanceof Error ? Promise.reject(stored) : Promise.resolve(stored)),
  };
  const reports = { dropped: [] as string[], lost: [] as string[] };
  const delivered: Array<[EtpKeptBroadcast, EtpPosition]> = [];
  const envelopes = new Envelopes(new Signer('k'));
  const kept = new KeptBroadcasts(
    {
      from: SELF,
      channels: channelsOf('app', SELF),
      envelopes,
      signed: true,
      transport: transport as unknown as ClusterTransport,
      reports: {
        dropped: (reason: string) => reports.dropped.push(reason),
        lost: (event: string) => reports.lost.push(event),
      } as unknown as BrokerReports,
      metrics: () => ({ published() {}, received() {} }) as unknown as BrokerMetrics,
      local: () =>
        ({
          deliverKept: (k: EtpKeptBroadcast, p: EtpPosition) => delivered.push([k, p]),
        }) as unknown as EtpLocalRooms,
    },
    new Logger('test'),
  );
  kept.configure(LIMITS, 'test');
  return { kept, transport, published, reports, delivered, envelopes };
}

function entry(envelopes: Envelopes, offset: number, time = NOW): StoredEntry {
  const bytes = envelopes.seal({
    from: SELF,
    seq: offset,
    room: 'r',
    event: 'e',
    data: offset,
    rooms: ['r'],
    except: [],
  });
  return { offset, time, bytes };
}

const position = (offset: number) => ({ epoch: EPOCH, offset });

describe('KeptBroadcasts', () => {
  beforeAll(() => Logger.overrideLogger(false));

  test('reads what came after a position, each entry checked', async () => {
    const envelopes = new Envelopes(new Signer('k'));
    const entries = [3, 4, 5].map((offset) => entry(envelopes, offset));
    const { kept } = setup({ epoch: EPOCH, offset: 5, now: NOW, entries });
    const slice = await kept.history('r', position(2));
    expect(slice?.position).toEqual(position(5));
    expect(slice?.kept.map((one) => one.data)).toEqual([3, 4, 5]);
    expect(await kept.history('r', position(5))).toEqual({ position: position(5), kept: [] });
    expect(await kept.history('r', undefined)).toEqual({ position: position(5), kept: [] });
  });

  test('cannot say for another epoch, a future offset, too many missed, or entries trimmed', async () => {
    const envelopes = new Envelopes(new Signer('k'));
    const entries = [4, 5].map((offset) => entry(envelopes, offset));
    const { kept, reports } = setup({ epoch: EPOCH, offset: 5, now: NOW, entries });
    expect(await kept.history('r', { epoch: 'ff', offset: 2 })).toBeUndefined();
    expect(await kept.history('r', position(6))).toBeUndefined();
    expect(await kept.history('r', position(2))).toBeUndefined(); // 3 was trimmed
    const many = setup({ epoch: EPOCH, offset: 20, now: NOW, entries });
    expect(await many.kept.history('r', position(10))).toBeUndefined();
    // None of it is anyone's fault: nothing counted.
    expect([...reports.dropped, ...many.reports.dropped]).toEqual([]);
  });

  test('cannot say once the entry after the position is older than maxDisconnection', async () => {
    const envelopes = new Envelopes(new Signer('k'));
    const entries = [entry(envelopes, 3, NOW - 1_001), entry(envelopes, 4)];
    const { kept } = setup({ epoch: EPOCH, offset: 4, now: NOW, entries });
    expect(await kept.history('r', position(2))).toBeUndefined();
  });

  test('takes anything not of our making for no history, counted, and never rejects', async () => {
    const envelopes = new Envelopes(new Signer('k'));
    const good = entry(envelopes, 3);
    const forged = new Envelopes(new Signer('other'));
    for (const [stored, reason] of [
      [{ epoch: EPOCH, offset: 3, now: NOW, entries: [entry(forged, 3)] }, 'bad_signature'],
      [{ epoch: EPOCH, offset: 3, now: NOW, entries: [{ ...good, time: undefined }] }, 'shape'],
      [{ epoch: EPOCH, offset: 3, now: NOW, entries: [{ ...good, offset: 9 }] }, 'shape'],
      [{ epoch: 'not hex', offset: 3, now: NOW, entries: [] }, 'shape'],
      [{ epoch: EPOCH, offset: -1, now: NOW, entries: [] }, 'shape'],
    ] as const) {
      const { kept, reports } = setup(stored);
      expect(await kept.history('r', position(2))).toBeUndefined();
      expect(reports.dropped).toEqual([reason]);
    }
    const { kept, reports } = setup(new Error('Redis is not connected'));
    expect(await kept.history('r', position(2))).toBeUndefined();
    expect(reports.dropped).toEqual([]);
  });

  test('hands what it hears to the rooms with its position, once: a copy replayed is dropped', () => {
    const { kept, published, reports, delivered } = setup();
    kept.publish('r', { rooms: ['r'], except: [] }, 'e', 1);
    const heard = Buffer.concat([Buffer.from(`!${EPOCH} 7\n`), published[0]]);
    kept.receive('r', 'app:room{:r}', heard);
    kept.receive('r', 'app:room{:r}', heard);
    expect(delivered).toEqual([
      [
        { room: 'r', offset: 7, target: { rooms: ['r'], except: [] }, event: 'e', data: 1 },
        position(7),
      ],
    ]);
    expect(reports.dropped).toEqual(['replayed']);
    kept.receive('r', 'app:room{:r}', Buffer.from('!no position'));
    expect(reports.dropped).toEqual(['replayed', 'unreadable']);
  });

  test('counts lost what cannot be kept now, and refuses a transport with no history', () => {
    const { kept, transport, published, reports } = setup();
    kept.publish('r', { rooms: ['r'], except: [] }, 'e', () => 'no function crosses');
    transport.unavailable = 'Redis is not connected (reconnecting)';
    kept.publish('r', { rooms: ['r'], except: [] }, 'f', 1);
    expect(published).toEqual([]);
    expect(reports.lost).toEqual(['e', 'f']);
    const none = { unavailable: undefined } as unknown as ClusterTransport;
    const bare = new KeptBroadcasts(
      { transport: none, signed: false } as BrokerContext,
      new Logger('test'),
    );
    expect(() => bare.configure(LIMITS, 'TestBroker')).toThrow('TestBroker cannot keep history');
  });
});
