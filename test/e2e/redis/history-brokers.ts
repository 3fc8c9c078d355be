import { Cluster } from 'ioredis';
import type { HistoryKeys } from '../../../src/cluster/channels.js';
import type { EtpKeptBroadcast, EtpPosition } from '../../../src/rooms/etp-broker.js';
import { EtpLocalRooms } from '../../../src/rooms/local-rooms.js';
import { RoomRegistry } from '../../../src/rooms/room-registry.js';
import { EtpRedisBroker, type EtpRedisBrokerOptions } from '../../../src/redis/index.js';
import { fake, FakeSocket } from '../../unit/rooms/fake-socket.js';

/** The rooms of one instance, recording each kept broadcast handed to them. */
class RecordingRooms extends EtpLocalRooms {
  readonly delivered: Array<{ kept: EtpKeptBroadcast; position: EtpPosition }> = [];

  override deliverKept(kept: EtpKeptBroadcast, position: EtpPosition): number {
    this.delivered.push({ kept, position });
    return super.deliverKept(kept, position);
  }
}

/** A broker of this process with history, and one member of `room` on its instance. */
export interface HistoryInstance {
  readonly broker: EtpRedisBroker;
  readonly rooms: RecordingRooms;
  /** The frames the member was written. */
  readonly written: string[];
  close(): Promise<void>;
}

export async function historyInstance(
  options: EtpRedisBrokerOptions,
  recovery: { maxMessages: number; maxDisconnection: number },
  room = 'room',
): Promise<HistoryInstance> {
  const registry = new RoomRegistry();
  const socket = FakeSocket.of();
  registry.connected(socket);
  registry.join(socket, [room]);
  const broker = new EtpRedisBroker({ heartbeatInterval: 100, heartbeatTimeout: 500, ...options });
  const rooms = new RecordingRooms(registry);
  broker.attach(rooms);
  broker.keepHistory(recovery);
  await broker.init();
  await broker.listening(room);
  return { broker, rooms, written: fake(socket).written, close: () => broker.close() };
}

/** An ioredis Cluster client of the given masters, closed with the test. */
export function clusterClient(addresses: string): Cluster & { close(): Promise<void> } {
  const nodes = addresses.split(',').map((address) => {
    const [host, port] = address.split(':');
    return { host, port: Number(port) };
  });
  const client = new Cluster(nodes);
  return Object.assign(client, {
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  });
}

/** The offsets of what an instance was handed, in order. */
export function offsetsOf(instance: HistoryInstance): number[] {
  return instance.rooms.delivered.map(({ position }) => position.offset);
}

/** The keys and channel of a room's history, as the instance names them. */
export function historyKeys(instance: HistoryInstance, room: string): HistoryKeys {
  const broker = instance.broker as unknown as { channels: { history(room: string): HistoryKeys } };
  return broker.channels.history(room);
}

/** The reasons of the messages the instance drops from now on, in order. */
export function droppedBy(instance: HistoryInstance): string[] {
  const reports = (instance.broker as unknown as { reports: { dropped(...args: unknown[]): void } })
    .reports;
  const dropped: string[] = [];
  const drop = reports.dropped.bind(reports);
  reports.dropped = (...args: unknown[]) => {
    dropped.push(args[0] as string);
    drop(...args);
  };
  return dropped;
}
