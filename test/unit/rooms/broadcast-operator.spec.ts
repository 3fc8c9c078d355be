import {
  autoCodec,
  EtpAckTimeoutError,
  EtpFrameError,
  EtpInMemoryBroker,
  jsonCodec,
  type EtpPayloadCodec,
  type EtpSocket,
} from '../../../src/index.js';
import { EtpBroadcastOperator } from '../../../src/rooms/broadcast-operator.js';
import { EtpBroadcastTooLargeError, EtpRoomNameError } from '../../../src/rooms/errors.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { counting } from './counting-codec.js';
import { fake, FakeSocket } from './fake-socket.js';

describe('EtpBroadcastOperator over the in-memory broker', () => {
  let registry: RoomRegistry;
  let everyone: EtpBroadcastOperator;

  beforeEach(() => {
    registry = new RoomRegistry();
    const local = new EtpLocalRooms(registry);
    const broker = new EtpInMemoryBroker();
    broker.attach(local);
    everyone = new EtpBroadcastOperator(broker, local);
  });

  function socket(rooms: string[] = [], codec?: EtpPayloadCodec): EtpSocket {
    const one = FakeSocket.of(codec);
    registry.connected(one);
    registry.join(one, rooms);
    return one;
  }

  const written = (one: EtpSocket) => fake(one).written;

  it('reaches the members of rooms but those of excluded rooms, ids and sockets, each once', () => {
    const a = socket(['red']);
    const b = socket(['red', 'muted']);
    const c = socket(['red', 'blue']);
    const d = socket(['blue']);
    const e = socket(['blue']);
    const sent = everyone.to('red', 'blue').except('muted', a, e.id).emit('news', 'x');
    expect(sent).toBe(2);
    expect([a, b, c, d, e].map(written)).toEqual([[], [], ['news||0||x'], ['news||0||x'], []]);
  });

  it('reaches nobody with to() and no room, everybody without to(), one socket by its id', () => {
    const a = socket(['red']);
    const b = socket();
    expect(everyone.to().emit('nobody')).toBe(0);
    expect(everyone.emit('all')).toBe(2);
    expect(everyone.to(b.id).emit('direct', 1)).toBe(1);
    expect([a, b].map(written)).toEqual([['all||0'], ['all||0', 'direct||0||1']]);
  });

  it('is immutable: each step returns a new operator', () => {
    const a = socket(['red']);
    const b = socket(['blue']);
    const red = everyone.to('red');
    const both = red.to('blue');
    expect(red.sockets()).toEqual([a]);
    expect(both.sockets()).toEqual([a, b]);
    expect(both.except(b).sockets()).toEqual([a]);
    expect(both.sockets()).toEqual([a, b]);
  });

  it('encodes once per payload codec, however the codecs of the members alternate', () => {
    const auto = counting(autoCodec);
    const json = counting(jsonCodec);
    const sockets = Array.from({ length: 1_000 }, (_, i) => socket(['room'], i % 2 ? json : auto));
    expect(everyone.to('room').emit('news', 'x')).toBe(1_000);
    expect([auto.count, json.count]).toEqual([1, 1]);
    expect(written(sockets[0])).toEqual(['news||0||x']);
    expect(written(sockets[1])).toEqual(['news||0||"x"']);
    expect(written(sockets[998])).toEqual(['news||0||x']);
    expect(written(sockets[999])).toEqual(['news||0||"x"']);
  });

  it('encodes what emitWithAck asks once per payload codec too', async () => {
    const auto = counting(autoCodec);
    const json = counting(jsonCodec);
    const sockets = Array.from({ length: 100 }, (_, i) => socket(['vote'], i % 2 ? json : auto));
    const answers = await everyone.to('vote').timeout(1_000).emitWithAck('ballot', 'q');
    expect(answers).toHaveLength(100);
    expect([auto.count, json.count]).toEqual([1, 1]);
    expect(fake(sockets[0]).asked).toEqual(['q']);
    expect(fake(sockets[1]).asked).toEqual(['"q"']);
  });

  it('does not count a member whose connection is closed', () => {
    const a = socket(['red']);
    socket(['red']);
    fake(a).connected = false;
    expect(everyone.to('red').emit('news')).toBe(1);
  });

  it('collects every member’s answer with emitWithAck', async () => {
    const a = socket(['vote']);
    const b = socket(['vote']);
    fake(a).reply = { answer: 'yes' };
    fake(b).reply = { answer: 'no' };
    await expect(everyone.to('vote').timeout(1_000).emitWithAck('ballot')).resolves.toEqual([
      'yes',
      'no',
    ]);
    await expect(everyone.to('nobody').emitWithAck('ballot')).resolves.toEqual([]);
  });

  it('does not wait for a member that disconnects before answering', async () => {
    const a = socket(['vote']);
    const b = socket(['vote']);
    fake(b).reply = 'closed';
    fake(a).reply = { answer: 1 };
    await expect(everyone.to('vote').timeout(1_000).emitWithAck('ballot')).resolves.toEqual([1]);
  });

  it('rejects with EtpAckTimeoutError holding the answers that came when one is late', async () => {
    const a = socket(['vote']);
    const b = socket(['vote']);
    fake(a).reply = { answer: 'yes' };
    fake(b).reply = 'timeout';
    const error = await everyone
      .to('vote')
      .timeout(50)
      .emitWithAck('ballot')
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(EtpAckTimeoutError);
    expect((error as EtpAckTimeoutError).responses).toEqual(['yes']);
    expect((error as EtpAckTimeoutError).timeout).toBe(50);
  });

  it('fetches sockets with their rooms, each able to be reached', async () => {
    const a = socket(['red', 'blue']);
    socket(['green']);
    const [found] = await everyone.to('red').fetchSockets();
    expect(found.id).toBe(a.id);
    expect([...found.rooms]).toEqual(['red', 'blue']);
    found.emit('hi', 'there');
    expect(written(a)).toEqual(['hi||0||there']);
    await found.join('gold');
    await found.leave('red');
    expect([...registry.roomsOf(a)]).toEqual(['blue', 'gold']);
    await found.disconnect(4001, 'go');
    expect(fake(a).closes).toEqual([{ code: 4001, reason: 'go' }]);
  });

  it('makes members join and leave rooms, and disconnects them', async () => {
    const a = socket(['red']);
    const b = socket(['red']);
    const c = socket(['blue']);
    await everyone.to('red').socketsJoin('gold', 'silver');
    expect(everyone.to('gold').sockets()).toEqual([a, b]);
    await everyone.to('gold').except(b).socketsLeave('gold');
    expect(everyone.to('gold').sockets()).toEqual([b]);
    await everyone.to('silver').disconnectSockets();
    expect([a, b, c].map((one) => fake(one).closes.length)).toEqual([1, 1, 0]);
    expect(fake(a).closes).toEqual([{ code: 1000, reason: undefined }]);
  });

  it('refuses a broadcast no frame can carry before the broker is called', async () => {
    const a = socket(['red']);
    const broker = new EtpInMemoryBroker();
    const calls: string[] = [];
    broker.publish = () => void calls.push('publish');
    broker.requestAcks = () => void calls.push('requestAcks');
    const local = new EtpLocalRooms(registry);
    broker.attach(local);
    const red = new EtpBroadcastOperator(broker, local).to('red');
    expect(() => red.emit('typing||0||spoof', 'x')).toThrow(EtpFrameError);
    expect(() => red.emit(42 as unknown as string)).toThrow(/must be a string, not number/);
    await expect(red.emitWithAck('a||b')).rejects.toThrow(EtpFrameError);
    expect(calls).toEqual([]);
    expect(written(a)).toEqual([]);
  });

  it('refuses a broadcast larger than the smallest maxBufferedBytes, writing nothing', async () => {
    const gateway = { codec: autoCodec, maxBufferedBytes: 1_024 };
    const a = FakeSocket.of(autoCodec, gateway);
    registry.connected(a);
    registry.join(a, ['red']);
    expect(() => everyone.to('red').emit('big', 'x'.repeat(1_024))).toThrow(
      EtpBroadcastTooLargeError,
    );
    expect(() => everyone.emit('big', new Uint8Array(2_000))).toThrow(/more than maxBufferedBytes/);
    // Three bytes a character: the length alone would let it through.
    expect(() => everyone.emit('big', '€'.repeat(400))).toThrow(EtpBroadcastTooLargeError);
    await expect(everyone.emitWithAck('big', 'x'.repeat(2_000))).rejects.toThrow(
      EtpBroadcastTooLargeError,
    );
    expect(written(a)).toEqual([]);
    expect(fake(a).asked).toEqual([]);
    expect(everyone.emit('small', 'x'.repeat(900))).toBe(1);
  });

  it('writes to nobody a broadcast from another instance too large for this one', () => {
    const a = FakeSocket.of(autoCodec, { codec: autoCodec, maxBufferedBytes: 1_024 });
    registry.connected(a);
    registry.join(a, ['red']);
    // What a broker does with a broadcast another instance (with larger gateways) let through.
    const local = new EtpLocalRooms(registry);
    expect(local.emit({ rooms: ['red'], except: [] }, 'big', 'x'.repeat(2_000))).toBe(0);
    expect(local.emit({ rooms: ['red'], except: [] }, 'small', 'x')).toBe(1);
    expect(written(a)).toEqual(['small||0||x']);
  });

  it('encodes a broadcast once for its check and its writes, when the gateways are known', () => {
    const auto = counting(autoCodec);
    const one = FakeSocket.of(auto, { codec: auto, maxBufferedBytes: 1 << 20 });
    registry.connected(one);
    registry.join(one, ['red']);
    expect(everyone.to('red').emit('news', { n: 1 })).toBe(1);
    expect(auto.count).toBe(1);
    expect(written(one)).toEqual(['news||0||{"n":1}']);
  });

  it('checks what a fetched socket is asked as rooms.to(its id) checks it', async () => {
    const a = socket(['red']);
    const [found] = await everyone.to('red').fetchSockets();
    expect(() => found.emit('a||b')).toThrow(EtpFrameError);
    await expect(found.join('0123456789abcdef0123456789abcdef')).rejects.toThrow(EtpRoomNameError);
    expect(written(a)).toEqual([]);
    expect([...registry.roomsOf(a)]).toEqual(['red']);
  });
});
