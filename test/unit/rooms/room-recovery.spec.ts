import type { IncomingMessage } from 'node:http';
import { jest } from '@jest/globals';
import { autoCodec, type EtpPayloadCodec, type EtpSocket } from '../../../src/index.js';
import { encodeRecoveryState, RECOVERY_QUERY } from '../../../src/protocol/recovery.js';
import type {
  EtpHistorySlice,
  EtpKeptBroadcast,
  EtpPosition,
} from '../../../src/rooms/broker-types.js';
import type { EtpBroker } from '../../../src/rooms/etp-broker.js';
import { RECOVERY_FAILED_CLOSE, RoomRecovery } from '../../../src/rooms/room-recovery.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { SocketRecovery } from '../../../src/rooms/socket-recovery.js';
import { FakeSocket } from './fake-socket.js';

const PREVIOUS_ID = 'ab'.repeat(16);

/** A socket that also records the frames written to it one by one (the extension's frames). */
class RecordingSocket extends FakeSocket {
  readonly frames: string[] = [];
  /** Every frame the socket was asked to write, the ones a closed socket refused included. */
  readonly attempted: string[] = [];

  sendFrame(frame: string | Uint8Array): boolean {
    const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString();
    this.attempted.push(text);
    if (!this.connected) return false;
    this.frames.push(text);
    return true;
  }
}

/** A broker whose history answers as each test says: a slice, nothing, or a failure, maybe late. */
class HistoryBroker {
  readonly reads: Array<[string, EtpPosition | undefined]> = [];
  answer: (room: string, since: EtpPosition | undefined) => Promise<EtpHistorySlice | undefined> =
    async () => undefined;

  history(room: string, since: EtpPosition | undefined): Promise<EtpHistorySlice | undefined> {
    this.reads.push([room, since]);
    return this.answer(room, since);
  }

  publishKept(): void {}
  keepHistory(): void {}
}

const at = (offset: number, epoch = 'e1'): EtpPosition => ({ epoch, offset });
const kept = (offset: number, except: string[] = []): EtpKeptBroadcast => ({
  room: 'lobby',
  offset,
  target: { rooms: ['lobby'], except },
  event: 'tick',
  data: offset,
});

function request(value: string | undefined): IncomingMessage {
  const url = value === undefined ? '/ws' : `/ws?${RECOVERY_QUERY}=${value}`;
  return { url, headers: {}, socket: {} } as unknown as IncomingMessage;
}

const presenting = (offset: number) =>
  request(encodeRecoveryState({ id: PREVIOUS_ID, positions: [['lobby', 'e1', offset]] }));

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('RoomRecovery', () => {
  let broker: HistoryBroker;
  let registry: RoomRegistry;
  let recovery: RoomRecovery;

  beforeEach(() => {
    broker = new HistoryBroker();
    registry = new RoomRegistry();
    recovery = new RoomRecovery(
      broker as unknown as EtpBroker,
      { maxDisconnection: 60_000, maxMessages: 100 },
      registry,
    );
    registry.recovery = recovery;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** A connection of the given handshake, accepted as the server would, then joined to lobby. */
  async function connect(
    handshake: IncomingMessage,
    codec: EtpPayloadCodec = autoCodec,
  ): Promise<RecordingSocket> {
    const socket = new RecordingSocket(codec);
    const admission = await registry.admit(handshake);
    registry.connected(socket as unknown as EtpSocket, admission);
    return socket;
  }

  const join = (socket: RecordingSocket) =>
    registry.join(socket as unknown as EtpSocket, ['lobby']);

  test('needs a broker that keeps history', () => {
    expect(
      () =>
        new RoomRecovery(
          { constructor: { name: 'Bare' } } as unknown as EtpBroker,
          at(0) as never,
          registry,
        ),
    ).toThrow('recovery needs a broker that keeps history; Bare does not');
  });

  test('a handshake without the parameter takes no part; one with 1 is not recovered', async () => {
    expect(recovery.admit(request(undefined))).toBeUndefined();
    const state = await recovery.admit(request('1'));
    expect(state).toBeInstanceOf(SocketRecovery);
    expect(state!.recovered).toBe(false);
    expect(broker.reads).toEqual([]);
  });

  test('a broker whose history throws at once makes the handshake not recovered, not refused', async () => {
    broker.answer = () => {
      throw new Error('a custom broker failed before its promise');
    };
    const state = await recovery.admit(presenting(3));
    expect(state!.recovered).toBe(false);
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    expect(socket.closes).toEqual([]);
  });

  test('a malformed parameter counts as presenting nothing, and never throws', async () => {
    const state = await recovery.admit(request('%%%not-base64%%%'));
    expect(state!.recovered).toBe(false);
    expect(broker.reads).toEqual([]);
  });

  test('recovered when every presented room’s history can be read, before the upgrade', async () => {
    broker.answer = async () => ({ position: at(5), kept: [kept(4), kept(5)] });
    const state = await recovery.admit(presenting(3));
    expect(state!.recovered).toBe(true);
    expect(state!.previousId).toBe(PREVIOUS_ID);
    expect(broker.reads).toEqual([['lobby', at(3)]]);
  });

  test('not recovered when a room’s history cannot say (trimmed, other epoch, failing)', async () => {
    broker.answer = async () => {
      throw new Error('history unreachable');
    };
    expect((await recovery.admit(presenting(3)))!.recovered).toBe(false);
  });

  test('at the join it writes what was missed, then the position, and goes live', async () => {
    broker.answer = async (_room, since) =>
      since?.offset === 3
        ? { position: at(5), kept: [kept(4), kept(5)] }
        : { position: at(6), kept: [kept(6)] };
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    expect(socket.frames).toEqual([
      '__etp_b||0||["lobby","e1",4]\ntick||0||4',
      '__etp_b||0||["lobby","e1",5]\ntick||0||5',
      '__etp_b||0||["lobby","e1",6]\ntick||0||6',
      '__etp_pos||0||["lobby","e1",6]',
    ]);
    expect(recovery.stateOf(socket as unknown as EtpSocket)!.isHolding('lobby')).toBe(false);
  });

  test('what arrives during the catch-up is held, then written once after what was missed', async () => {
    let finish: (slice: EtpHistorySlice) => void = () => undefined;
    broker.answer = (_room, since) =>
      since?.offset === 3
        ? Promise.resolve({ position: at(4), kept: [kept(4)] })
        : new Promise((resolve) => (finish = resolve));
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    const state = recovery.stateOf(socket as unknown as EtpSocket)!;
    expect(state.isHolding('lobby')).toBe(true);
    // 5 is read from history and arrives live too; 6 arrives live only.
    state.hold({ kept: kept(5), position: at(5) });
    state.hold({ kept: kept(6), position: at(6) });
    finish({ position: at(5), kept: [kept(5)] });
    await settle();
    expect(socket.frames).toEqual([
      '__etp_b||0||["lobby","e1",4]\ntick||0||4',
      '__etp_b||0||["lobby","e1",5]\ntick||0||5',
      '__etp_b||0||["lobby","e1",6]\ntick||0||6',
      '__etp_pos||0||["lobby","e1",6]',
    ]);
  });

  test('a missed broadcast that left this client out (its old id or a room) is skipped', async () => {
    broker.answer = async (_room, since) =>
      since?.offset === 3
        ? { position: at(5), kept: [kept(4, [PREVIOUS_ID]), kept(5)] }
        : { position: at(5), kept: [] };
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    expect(socket.frames).toEqual([
      '__etp_b||0||["lobby","e1",5]\ntick||0||5',
      '__etp_pos||0||["lobby","e1",5]',
    ]);
  });

  test('a recovered connection whose catch-up fails is closed, not left with a gap', async () => {
    let reads = 0;
    broker.answer = async () => (++reads === 1 ? { position: at(3), kept: [] } : undefined);
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    expect(socket.closes).toEqual([
      { code: RECOVERY_FAILED_CLOSE.code, reason: RECOVERY_FAILED_CLOSE.reason },
    ]);
    expect(RECOVERY_FAILED_CLOSE).toEqual({ code: 1011, reason: 'recovery failed' });
  });

  test('a client starting over in a room gets its current position at the join', async () => {
    broker.answer = async () => ({ position: at(9), kept: [] });
    const socket = await connect(request('1'));
    join(socket);
    await settle();
    expect(socket.frames).toEqual(['__etp_pos||0||["lobby","e1",9]']);
    expect(broker.reads).toEqual([['lobby', undefined]]);
  });

  test('leaving a room tells an opted-in client only, and only while open', async () => {
    broker.answer = async () => ({ position: at(0), kept: [] });
    const opted = await connect(request('1'));
    const plain = new RecordingSocket();
    registry.connected(plain as unknown as EtpSocket);
    for (const one of [opted, plain]) join(one);
    await settle();
    opted.frames.length = 0;
    for (const one of [opted, plain]) registry.leave(one as unknown as EtpSocket, ['lobby']);
    expect(opted.frames).toEqual(['__etp_leave||0||["lobby"]']);
    expect(plain.frames).toEqual([]);
  });

  test('a connection that ended is forgotten', async () => {
    const socket = await connect(request('1'));
    registry.disconnected(socket as unknown as EtpSocket);
    expect(recovery.stateOf(socket as unknown as EtpSocket)).toBeUndefined();
  });

  test('a history that does not answer within 10 s counts as not recoverable', async () => {
    jest.useFakeTimers();
    broker.answer = () => new Promise(() => undefined);
    let admitted: SocketRecovery | undefined;
    void recovery.admit(presenting(3))!.then((state) => (admitted = state));
    await jest.advanceTimersByTimeAsync(9_999);
    expect(admitted).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(admitted!.recovered).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  /** A join whose history read waits for the test: `finish` answers it. */
  function lateRead(handshake: EtpHistorySlice | undefined): (slice?: EtpHistorySlice) => void {
    let finish: (slice?: EtpHistorySlice) => void = () => undefined;
    let reads = 0;
    broker.answer = (_room, since) =>
      ++reads === 1 && since !== undefined
        ? Promise.resolve(handshake)
        : new Promise((resolve) => (finish = resolve));
    return (slice) => finish(slice);
  }

  test('a client told recovered: false whose catch-up fails still gets what arrived since the join', async () => {
    const finish = lateRead(undefined);
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    const state = recovery.stateOf(socket as unknown as EtpSocket)!;
    expect(state.recovered).toBe(false);
    state.hold({ kept: kept(8), position: at(8) });
    finish(undefined);
    await settle();
    expect(socket.closes).toEqual([]);
    expect(socket.frames).toEqual(['__etp_b||0||["lobby","e1",8]\ntick||0||8']);
  });

  test('more live broadcasts during a catch-up than maxMessages close a recovered connection', async () => {
    const finish = lateRead({ position: at(3), kept: [] });
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    const state = recovery.stateOf(socket as unknown as EtpSocket)!;
    for (let offset = 4; offset <= 104; offset++)
      state.hold({ kept: kept(offset), position: at(offset) });
    finish({ position: at(3), kept: [] });
    await settle();
    expect(socket.frames).toEqual([]);
    expect(socket.closes).toEqual([{ code: 1011, reason: 'recovery failed' }]);
  });

  test('a connection that closed during its catch-up is written nothing', async () => {
    const finish = lateRead({ position: at(3), kept: [] });
    const socket = await connect(presenting(3));
    join(socket);
    await settle();
    socket.connected = false;
    finish({ position: at(5), kept: [kept(4), kept(5)] });
    await settle();
    expect(socket.attempted).toEqual([]);
    expect(socket.closes).toEqual([]);
  });

  test('a missed broadcast its codec cannot encode is left out, and the rest still come', async () => {
    const picky: EtpPayloadCodec = {
      name: 'picky',
      decode: () => undefined,
      encode: (data) => {
        if (data === 4) throw new Error('cannot encode 4');
        return JSON.stringify(data);
      },
    };
    broker.answer = async (_room, since) =>
      since?.offset === 3
        ? { position: at(5), kept: [kept(4), kept(5)] }
        : { position: at(5), kept: [] };
    const socket = await connect(presenting(3), picky);
    join(socket);
    await settle();
    expect(socket.frames).toEqual([
      '__etp_b||0||["lobby","e1",5]\ntick||0||5',
      '__etp_pos||0||["lobby","e1",5]',
    ]);
  });

  test('excludes: a target leaves a socket out by a room it is in, its id or its previous id', async () => {
    const socket = await connect(presenting(3));
    registry.join(socket as unknown as EtpSocket, ['muted']);
    const one = socket as unknown as EtpSocket;
    const except = (...names: string[]) => ({ rooms: ['lobby'], except: names });
    expect(recovery.excludes(one, except())).toBe(false);
    expect(recovery.excludes(one, except('other', 'cd'.repeat(16)))).toBe(false);
    expect(recovery.excludes(one, except('muted'))).toBe(true);
    expect(recovery.excludes(one, except(socket.id))).toBe(true);
    expect(recovery.excludes(one, except(PREVIOUS_ID))).toBe(true);
  });

  test('a closed connection is not told it left a room', async () => {
    const socket = await connect(request('1'));
    socket.connected = false;
    recovery.left(socket as unknown as EtpSocket, ['lobby']);
    expect(socket.attempted).toEqual([]);
  });
});
