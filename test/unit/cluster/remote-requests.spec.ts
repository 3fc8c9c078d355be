import { MAX_PEER_ACK_TIMEOUT } from '../../../src/cluster/limits.js';
import { Control, Reply, type ControlMessage } from '../../../src/cluster/messages.js';
import { peerAckTimeout, RemoteRequests } from '../../../src/cluster/remote-requests.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import type { EtpSocket } from '../../../src/index.js';
import { FakeSocket } from '../rooms/fake-socket.js';

/** A member that never answers: its requests stay open until settled by hand. */
class SilentSocket extends FakeSocket {
  readonly timeouts: number[] = [];
  readonly settle: Array<() => void> = [];

  override requestAck(_: string, __: unknown, options: { timeout: number }): Promise<unknown> {
    this.timeouts.push(options.timeout);
    return new Promise((resolve) => this.settle.push(() => resolve('late')));
  }
}

const target = { rooms: undefined, except: [] };
const ask = (from: string, timeout = 0): ControlMessage => ({
  kind: Control.EmitWithAck,
  from,
  request: 1,
  target,
  event: 'vote',
  timeout,
});

describe('RemoteRequests', () => {
  function withMember() {
    const registry = new RoomRegistry();
    const member = new SilentSocket();
    registry.connected(member as unknown as EtpSocket);
    return { member, local: new EtpLocalRooms(registry) };
  }

  test('cuts a peer’s emitWithAck timeout of 0 (none) or too long to the maximum', () => {
    expect(peerAckTimeout(0)).toBe(MAX_PEER_ACK_TIMEOUT);
    expect(peerAckTimeout(10 * MAX_PEER_ACK_TIMEOUT)).toBe(MAX_PEER_ACK_TIMEOUT);
    expect(peerAckTimeout(2_000)).toBe(2_000);
    const { member, local } = withMember();
    new RemoteRequests(local).perform(ask('a'), () => undefined);
    expect(member.timeouts).toEqual([MAX_PEER_ACK_TIMEOUT]);
  });

  test('runs a bounded number of emitWithAck per peer and in all, and refuses the rest with a count of 0', async () => {
    const { member, local } = withMember();
    const remote = new RemoteRequests(local, 2, 3);
    const replies: Array<[string, number, unknown]> = [];
    const from = (peer: string) => (kind: number, value?: unknown) =>
      replies.push([peer, kind, value]);
    expect(remote.perform(ask('a'), from('a'))).toBe(true);
    expect(remote.perform(ask('a'), from('a'))).toBe(true);
    expect(remote.perform(ask('a'), from('a'))).toBe(false); // a's own bound
    expect(remote.perform(ask('b'), from('b'))).toBe(true);
    expect(remote.perform(ask('c'), from('c'))).toBe(false); // the bound of all
    expect(remote.size).toBe(3);
    expect(replies.filter(([, kind, value]) => kind === Reply.Count && value === 0)).toHaveLength(
      2,
    );

    for (const settle of member.settle.splice(0)) settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(remote.size).toBe(0); // answered: the room is free again
    expect(remote.perform(ask('c'), from('c'))).toBe(true);
  });
});
