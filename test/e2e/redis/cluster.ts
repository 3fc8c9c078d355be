import { compileEntry, startInstance, type Instance } from '../../support/instances.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

const FIXTURE = 'test/e2e/redis/fixture/instance-app.ts';

/** The compiled instance app, once per test file. */
export function compileInstanceApp(name: string): Promise<string> {
  return compileEntry(FIXTURE, name);
}

/** Instances of the fixture app, all on one Redis under one channel prefix. */
export function startInstances(
  entry: string,
  names: string[],
  redisUrl: string,
  prefix: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Instance[]> {
  return Promise.all(
    names.map((name) =>
      startInstance(entry, name, { REDIS_URL: redisUrl, PREFIX: prefix, ...env }),
    ),
  );
}

/** An ETP client of one instance, with its socket id. */
export interface Member {
  readonly client: RawClient;
  readonly id: string;
  readonly instance: Instance;
}

let nextAck = 1;

/** Sends `event` with a JSON body and resolves with the decoded answer. */
export async function call<T = unknown>(
  client: RawClient,
  event: string,
  body?: unknown,
): Promise<T> {
  const ackId = nextAck++;
  const data = body === undefined ? '' : `||${JSON.stringify(body)}`;
  const answer = await client.request(`${event}||${ackId}${data}`, `__ack_${event}`, ackId);
  const payload = answer.split('||').slice(2).join('||');
  if (payload === '') return undefined as T;
  try {
    return JSON.parse(payload) as T;
  } catch {
    return payload as T; // text, as the default codec writes a string
  }
}

export async function connect(
  instance: Instance,
  rooms: string[] = [],
  path = '/ws',
): Promise<Member> {
  const query = rooms.length > 0 ? `?rooms=${rooms.join(',')}` : '';
  const client = await RawClient.connect(wsUrl(instance.port, path) + query);
  // The socket id, as text: read without JSON parsing.
  const ackId = nextAck++;
  const answer = await client.request(`id||${ackId}`, '__ack_id', ackId);
  const raw = answer.split('||')[2];
  return { client, id: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw, instance };
}

/** Answers every `event` request with `value`, as a Go client's handler would. */
export function answer(client: RawClient, event: string, value: unknown): void {
  client.ws.on('message', (data: Buffer) => {
    const [name, ackId] = data.toString('utf8').split('||');
    if (name === event && ackId !== '0') {
      client.send(`__ack_${event}||${ackId}||${JSON.stringify(value)}`);
    }
  });
}

/** Resolves once `check` resolves true, trying again every 100 ms; fails after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
