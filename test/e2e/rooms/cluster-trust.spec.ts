import { call, until, type Member } from '../redis/cluster.js';
import { startRoomsCluster, type RoomsCluster } from './cluster.js';

const SETUP_TIMEOUT = 60_000;
const MAX_ROOMS = 50;

/** Every frame of `event` a client got, in order. */
function framesOf(member: Member, event: string): string[] {
  return member.client.received.filter((frame) => frame.startsWith(`${event}||`));
}

/** A broadcast to everyone in `room`, after which any earlier frame would have arrived. */
async function settle(from: Member, room: string, everyone: Member[]): Promise<void> {
  const mark = `mark${Math.random().toString(36).slice(2)}`;
  await call(from.client, 'relay', { to: [room], event: mark });
  await Promise.all(everyone.map((member) => member.client.next(`${mark}||`)));
}

describe('Rooms across two instances trust no name, no count and no size from a peer', () => {
  let cluster: RoomsCluster;

  beforeAll(async () => {
    cluster = await startRoomsCluster('rooms-trust', { MAX_ROOMS: String(MAX_ROOMS) });
  }, SETUP_TIMEOUT);

  afterEach(() => cluster?.closeMembers());
  afterAll(() => cluster?.stop());

  it('reaches a socket by its id, and only it, whatever room an attacker tries to name after it', async () => {
    const victim = await cluster.member(cluster.b);
    const attacker = await cluster.member(cluster.a);
    const sender = await cluster.member(cluster.a);
    // The attacker knows the id (apps broadcast it) and asks to join a room of that name.
    const joined = await call<{ error?: string; rooms: number }>(attacker.client, 'join', [
      victim.id,
    ]);
    expect(joined).toEqual({ error: 'EtpRoomNameError', rooms: 0 });
    for (const from of [sender, victim]) {
      await call(from.client, 'relay', { to: [victim.id], event: 'secret', data: 'for you' });
    }
    await victim.client.next('secret||');
    await victim.client.next('secret||');
    await settle(sender, attacker.id, [attacker]);
    expect(framesOf(attacker, 'secret')).toEqual([]);
  });

  it('refuses a join past maxRoomsPerSocket whole, and holds no more rooms', async () => {
    const peer = await cluster.member(cluster.a);
    const first = Array.from({ length: MAX_ROOMS - 1 }, (_, i) => `r${i}`);
    expect(await call(peer.client, 'join', first)).toEqual({ rooms: MAX_ROOMS - 1 });
    // Two more would pass the bound: neither is joined.
    expect(await call(peer.client, 'join', ['x1', 'x2'])).toEqual({
      error: 'EtpRoomLimitError',
      rooms: MAX_ROOMS - 1,
    });
    expect(await call(peer.client, 'join', ['x1'])).toEqual({ rooms: MAX_ROOMS });
    for (let i = 0; i < 20; i++) {
      expect(await call(peer.client, 'join', [`more${i}`])).toEqual({
        error: 'EtpRoomLimitError',
        rooms: MAX_ROOMS,
      });
    }
    const counts = await call<{ size: number; listed: string[] }>(peer.client, 'count', 'x2');
    expect(counts.size).toBe(0);
    expect(counts.listed.filter((room) => room.startsWith('more'))).toEqual([]);
  });

  it('refuses a relayed event the frame codec refuses at A, before B hears of it', async () => {
    const relayer = await cluster.member(cluster.a, ['chat']);
    const onB = await cluster.member(cluster.b, ['chat']);
    for (const event of ['typing||0||spoof', 42, null]) {
      expect(await call(relayer.client, 'relay', { to: ['chat'], event, data: 'x' })).toEqual({
        error: 'EtpFrameError',
      });
    }
    // B is up, reached, and its member got nothing but what was meant for it.
    await settle(relayer, 'chat', [relayer, onB]);
    expect(await call(onB.client, 'id')).toBe(onB.id);
    expect(onB.client.received.filter((frame) => !frame.startsWith('mark'))).toEqual([]);
    expect(cluster.b.child.exitCode).toBeNull();
  });

  it('refuses a broadcast larger than maxBufferedBytes at emit, closing no member', async () => {
    const asker = await cluster.member(cluster.a, ['large']);
    const onA = await cluster.member(cluster.a, ['large']);
    const onB = await cluster.member(cluster.b, ['large']);
    const eightMiB = 8 * 1024 * 1024;
    expect(await call(asker.client, 'big', { to: ['large'], bytes: eightMiB })).toEqual({
      error: 'EtpBroadcastTooLargeError',
    });
    expect(await call(asker.client, 'big', { to: ['large'], bytes: eightMiB, ack: true })).toEqual({
      error: 'EtpBroadcastTooLargeError',
    });
    await settle(asker, 'large', [asker, onA, onB]);
    for (const member of [asker, onA, onB]) {
      expect(member.client.closeCode).toBeUndefined();
      expect(framesOf(member, 'big')).toEqual([]);
    }
    // A broadcast under the bound still goes out.
    expect(await call(asker.client, 'big', { to: ['large'], bytes: 1024 })).toEqual({ local: 2 });
    await until(() => framesOf(onB, 'big').length === 1);
  });
});
