import type { BrokerContext } from '../../../src/cluster/broker-context.js';
import { BroadcastDelivery } from '../../../src/cluster/broadcast-delivery.js';
import { channelsOf } from '../../../src/cluster/channels.js';
import type { KeptBroadcasts } from '../../../src/cluster/kept-broadcasts.js';
import type { BroadcastMessage } from '../../../src/cluster/messages.js';

const SELF = 'aaaaaaaaaaaaaaaa';
const PEER = 'bbbbbbbbbbbbbbbb';

function setup(signed = true) {
  const emitted: unknown[][] = [];
  const reports: string[] = [];
  const forgotten: string[] = [];
  const context = {
    channels: channelsOf('app', SELF),
    signed,
    reports: {
      dropped: (reason: string) => reports.push(reason),
      missed: (_sender: string, count: number) => reports.push(`missed ${count}`),
    },
    metrics: () => ({ received() {} }),
    local: () => ({ emit: (...args: unknown[]) => emitted.push(args) }),
  } as unknown as BrokerContext;
  const kept = {
    forgetChannel: (channel: string) => forgotten.push(channel),
  } as unknown as KeptBroadcasts;
  return { delivery: new BroadcastDelivery(context, kept), emitted, reports, forgotten };
}

const copy = (seq: number, n: number, room = 'b'): BroadcastMessage => ({
  from: PEER,
  seq,
  n,
  room,
  event: 'e',
  data: seq,
  rooms: ['a', 'b'],
  except: [],
});

describe('BroadcastDelivery', () => {
  it('writes a copy to its room’s members not in an earlier room', () => {
    const { delivery, emitted } = setup();
    delivery.deliver(copy(1, 1), 'app:room{:b}');
    expect(emitted).toEqual([[{ rooms: ['b'], except: ['a'] }, 'e', 1]]);
  });

  it('drops a copy moved to another channel, and one heard already; counts one missed', () => {
    const { delivery, emitted, reports } = setup();
    delivery.deliver(copy(1, 1), 'app:room{:a}');
    delivery.deliver(copy(2, 1), 'app:room{:b}');
    delivery.deliver(copy(2, 1), 'app:room{:b}');
    delivery.deliver(copy(4, 3), 'app:room{:b}');
    expect(reports).toEqual(['shape', 'replayed', 'missed 1']);
    expect(emitted).toHaveLength(2);
  });

  it('forgets what was heard on a channel no longer listened on, kept broadcasts too', () => {
    const { delivery, emitted, reports, forgotten } = setup();
    delivery.deliver(copy(5, 5), 'app:room{:b}');
    delivery.forgetChannel('app:room{:b}');
    delivery.deliver(copy(9, 9), 'app:room{:b}'); // the first heard again: no gap
    expect(reports).toEqual([]);
    expect(emitted).toHaveLength(2);
    expect(forgotten).toEqual(['app:room{:b}']);
  });
});
