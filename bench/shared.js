/* global process */
/** What every server and client of the benchmark agrees on. */

/** The ~80-byte JSON document every request carries and every broadcast sends. */
export const PAYLOAD_OBJECT = Object.freeze({
  user: 'u-4f1c2a9e',
  room: 'lobby',
  text: 'hello, world',
  seq: 1234567,
  ok: true,
});
export const PAYLOAD = JSON.stringify(PAYLOAD_OBJECT);

/** The payload of broadcast number `round` (< 1,000,000): as long as PAYLOAD, told apart by `seq`. */
export const roundPayload = (round) => ({ ...PAYLOAD_OBJECT, seq: 1_000_000 + round });

/** The room every broadcast client joins. */
export const ROOM = 'crowd';

export const HOST = '127.0.0.1';

/** The room of the recovery benchmark, and how much each room keeps there. */
export const RECOVERY_ROOM = 'prices';
export const RECOVERY_WINDOW = Object.freeze({ ms: 120_000, messages: 1_000 });

/** Tick `seq` of the recovery benchmark: as long as PAYLOAD, told apart by `seq`. */
export const tick = (seq) => ({ ...PAYLOAD_OBJECT, seq });

/** The servers, in the order they are reported. */
export const ECHO_SERVERS = ['bare', 'plain', 'ws', 'io', 'etp'];
// `floor`: a raw net server writing one prebuilt frame to each member (floor-server.js).
export const ROOM_SERVERS = ['floor', 'bare', 'plain', 'io', 'etp'];

/** The servers of the broadcast across two instances through Redis. */
// `etp-signed`: the same with a `signingKey`, every message between instances HMAC-signed.
// `floor`: raw net servers, each writing one prebuilt frame to its members (floor-instance.js).
export const CLUSTER_SERVERS = ['floor', 'io', 'etp', 'etp-signed'];

/** The servers of the scaling run: 2, 4, 8 instances, each holding rooms of its own. */
// `etp-sharded`: EtpRedisBroker with `sharded: true`, when the build has that option.
export const SCALE_SERVERS = ['io', 'io-sharded', 'etp', 'etp-sharded'];

export const SCALE_LABELS = {
  io: 'socket.io + redis-adapter (createAdapter)',
  'io-sharded': 'socket.io + createShardedAdapter (dynamic)',
  etp: 'EtpAdapter + EtpRedisBroker',
  'etp-sharded': 'EtpAdapter + EtpRedisBroker, sharded',
};

export const LABELS = {
  floor: 'raw net, one prebuilt frame (floor)',
  bare: 'bare ws (ceiling)',
  plain: 'bare ws, plain ws.send',
  ws: 'Nest WsAdapter',
  io: 'Nest IoAdapter (socket.io)',
  etp: 'EtpAdapter',
};

export const CLUSTER_LABELS = {
  floor: 'raw net, one prebuilt frame (floor)',
  io: 'socket.io + @socket.io/redis-adapter',
  etp: 'EtpAdapter + EtpRedisBroker',
  'etp-signed': 'EtpAdapter + EtpRedisBroker, signingKey',
};

/** Replies to the parent over IPC, and ignores a parent that has gone. */
export function tell(message) {
  if (process.connected) process.send(message);
}
