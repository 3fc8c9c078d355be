import { RawPeer } from '../edge/support/raw-peer.js';
import { answer, call, connect, until, type Member } from '../redis/cluster.js';
import type { Instance } from '../../support/instances.js';
import { startRoomsCluster, type RoomsCluster } from './cluster.js';
import { HalfOpenPeer } from './half-open-peer.js';

const SETUP_TIMEOUT = 60_000;

interface Counts {
  size: number;
  fetched: number;
  listed: string[];
}

/** A peer that never answers the server's close frame, in `room`, with its socket id. */
async function silentPeer(
  instance: Instance,
  room: string,
): Promise<{ peer: RawPeer; id: string }> {
  const peer = await RawPeer.connect(instance.port, `/ws?rooms=${room}`);
  peer.send('id||1');
  await until(() => peer.messages.some((message) => message.startsWith('__ack_id||1||')));
  const id = peer.messages.find((message) => message.startsWith('__ack_id||1||'))!.slice(13);
  return { peer, id: id.startsWith('"') ? (JSON.parse(id) as string) : id };
}

describe('A connection that starts closing is no member of any room, on any instance', () => {
  let cluster: RoomsCluster;
  const peers: RawPeer[] = [];
  const halfOpen: HalfOpenPeer[] = [];

  beforeAll(async () => {
    cluster = await startRoomsCluster('rooms-closing');
  }, SETUP_TIMEOUT);

  afterEach(async () => {
    for (const peer of [...peers.splice(0), ...halfOpen.splice(0)]) peer.destroy();
    await cluster?.closeMembers();
  });
  afterAll(() => cluster?.stop());

  async function peerIn(instance: Instance, room: string) {
    const silent = await silentPeer(instance, room);
    peers.push(silent.peer);
    return silent;
  }

  it.each(['a', 'b'] as const)(
    'drops a peer that never answers the close frame at once, from instance %s',
    async (where) => {
      const asker = await cluster.member(cluster.a, ['quiet']);
      const { peer, id } = await peerIn(cluster[where], 'quiet');
      expect(await call<Counts>(asker.client, 'count', 'quiet')).toMatchObject({ fetched: 2 });
      const after = await call<Counts>(asker.client, 'disconnect', { to: [id], room: 'quiet' });
      expect(after.fetched).toBe(1);
      expect(after.size).toBe(1); // the asker alone: instance A's count
      // It got the close frame, and holds its side open.
      await until(() => peer.closeFrameCode !== undefined);
      expect(peer.socket.destroyed).toBe(false);
      const later = await call<Counts>(asker.client, 'count', 'quiet');
      expect(later.fetched).toBe(1);
    },
  );

  it.each(['a', 'b'] as const)(
    'drops a peer on %s that sent its own close frame and holds the connection open',
    async (where) => {
      const asker = await cluster.member(cluster.a, ['leaving']);
      const peer = await HalfOpenPeer.connect(cluster[where].port, '/ws?rooms=leaving');
      halfOpen.push(peer);
      expect(await call<Counts>(asker.client, 'count', 'leaving')).toMatchObject({ fetched: 2 });
      peer.sendClose();
      await until(() => peer.closeFrameReceived);
      const after = await call<Counts>(asker.client, 'count', 'leaving');
      expect(after).toMatchObject({ size: 1, fetched: 1 });
      expect(after.listed).toContain('leaving');
      expect(peer.socket.destroyed).toBe(false);
    },
  );

  it('lists no room whose only member is closing', async () => {
    const asker = await cluster.member(cluster.a);
    const { id } = await peerIn(cluster.a, 'alone');
    expect((await call<Counts>(asker.client, 'count', 'alone')).listed).toContain('alone');
    const after = await call<Counts>(asker.client, 'disconnect', { to: [id], room: 'alone' });
    expect(after).toMatchObject({ size: 0, fetched: 0 });
    expect(after.listed).not.toContain('alone');
  });

  it.each(['a', 'b'] as const)(
    'resolves a broadcast emitWithAck with the others’ answers when a member on %s starts closing',
    async (where) => {
      const asker = await cluster.member(cluster.a, ['vote']);
      const onB = await cluster.member(cluster.b, ['vote']);
      answer(asker.client, 'poll', 'a');
      answer(onB.client, 'poll', 'b');
      const { id } = await peerIn(cluster[where], 'vote');
      // Asked while it is a member, then disconnected while the answers are awaited.
      const during = await call<{ answers?: string[]; error?: string }>(asker.client, 'ask', {
        room: 'vote',
        timeout: 8_000,
        drop: [id],
      });
      expect(during.error).toBeUndefined();
      expect(during.answers?.sort()).toEqual(['a', 'b']);
      // Asked after: it is not asked at all.
      const afterwards = await call<{ answers?: string[] }>(asker.client, 'ask', {
        room: 'vote',
        timeout: 8_000,
      });
      expect(afterwards.answers?.sort()).toEqual(['a', 'b']);
    },
    20_000,
  );

  it('counts a room of 200 Go-style clients on two instances empty once disconnectSockets resolves, 20 times', async () => {
    const asker = await cluster.member(cluster.a);
    const left: number[] = [];
    for (let run = 0; run < 20; run++) {
      const room = `moved${run}`;
      const clients: Member[] = await Promise.all(
        Array.from({ length: 200 }, (_, i) => connect(i % 2 ? cluster.b : cluster.a, [room])),
      );
      try {
        const before = await call<Counts>(asker.client, 'count', room);
        expect(before.fetched).toBe(200);
        const after = await call<Counts>(asker.client, 'disconnect', { to: [room], room });
        left.push(after.fetched + after.size);
      } finally {
        await Promise.all(clients.map((client) => client.client.close()));
      }
    }
    expect(left).toEqual(Array.from({ length: 20 }, () => 0));
  }, 120_000);
});
