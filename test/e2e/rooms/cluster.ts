import { compileEntry, startInstance, type Instance } from '../../support/instances.js';
import { RedisServer } from '../../support/redis-server.js';
import { call, connect, until, type Member } from '../redis/cluster.js';

const FIXTURE = 'test/e2e/rooms/fixture/rooms-instance.ts';

/** Two instances of the rooms fixture on one real Redis, and the clients a test opened. */
export interface RoomsCluster {
  readonly a: Instance;
  readonly b: Instance;
  /** A client of an instance, closed by `closeMembers`. */
  member(instance: Instance, rooms?: string[]): Promise<Member>;
  closeMembers(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Redis and two instances, and waits until each sees the other. */
export async function startRoomsCluster(
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<RoomsCluster> {
  const [redis, entry] = await Promise.all([RedisServer.start(), compileEntry(FIXTURE, name)]);
  const instances: Instance[] = [];
  const members: Member[] = [];
  const cluster: RoomsCluster = {
    get a() {
      return instances[0];
    },
    get b() {
      return instances[1];
    },
    async member(instance, rooms = []) {
      const one = await connect(instance, rooms);
      members.push(one);
      return one;
    },
    async closeMembers() {
      await Promise.all(members.splice(0).map((one) => one.client.close()));
    },
    async stop() {
      await cluster.closeMembers();
      await Promise.all(instances.map((instance) => instance.stop()));
      await redis.stop();
    },
  };
  try {
    for (const instanceName of ['a', 'b']) {
      instances.push(
        await startInstance(entry, instanceName, { REDIS_URL: redis.url, PREFIX: name, ...env }),
      );
    }
    const probes = [
      await cluster.member(cluster.a, ['probe']),
      await cluster.member(cluster.b, ['probe']),
    ];
    await until(async () => {
      const counts = await Promise.all(
        probes.map((probe) => call<{ fetched: number }>(probe.client, 'count', 'probe')),
      );
      return counts.every((count) => count.fetched === 2);
    });
    await cluster.closeMembers();
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
