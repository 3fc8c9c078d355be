import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';

/** A logger for the units that log what a peer does wrong: the tests do not read it. */
export function quietLogger(): Logger {
  const logger = new Logger('test');
  logger.warn = () => undefined;
  logger.error = () => undefined;
  return logger;
}

/** What a client's handshake got: open (then ended by the client), or the HTTP status of the refusal. */
export function attempt(
  url: string,
  headers: Record<string, string> = {},
): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const client = new WebSocket(url, { headers });
    client.once('open', () => {
      resolve('open');
      client.terminate();
    });
    client.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    client.once('error', () => resolve(0));
  });
}
