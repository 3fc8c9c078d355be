import { startNode, type StartedProcess } from './consumer-app.js';
import { ROOT } from './package-build.js';

const READY = /gateway ws:\/\/localhost:(\d+)\/ws/;

export interface SampleEnv {
  /** Redis shared with other instances (the sample's `REDIS_URL`). */
  redisUrl?: string;
  /** Whether this instance runs the chat bot (default yes). */
  bot?: boolean;
  /** Its port (default: a random one), to start an instance again where it was. */
  port?: number;
}

/** The built sample as `npm run sample` starts it, on a random loopback port. */
export function startBuiltSample({
  redisUrl,
  bot = true,
  port = 0,
}: SampleEnv = {}): Promise<StartedProcess> {
  return startNode(ROOT, ['sample/dist/main.js'], {
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      NO_COLOR: '1',
      REDIS_URL: redisUrl ?? '',
      CHAT_BOT: bot ? 'on' : 'off',
    },
    ready: (line) => {
      const port = READY.exec(line)?.[1];
      return port === undefined ? undefined : { port: Number(port) };
    },
  });
}

/** Waits until the sample's bot sits in the lobby (it connects right after the app listens). */
export async function botInLobby(port: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/rooms/lobby`);
    const { members } = (await response.json()) as { members: string[] };
    if (members.includes('bot')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the bot did not join the lobby within 5 s');
}
