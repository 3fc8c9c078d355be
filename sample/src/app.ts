import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EtpAdapter } from 'nestjs-etp';
import { AppModule } from './app.module.js';
import { ChatBot } from './bot/chat-bot.js';

export interface SampleOptions {
  port: number;
  /** Interface to listen on; all of them when not given. */
  host?: string;
  logger?: false;
  /**
   * Redis shared with the sample's other instances: rooms and broadcasts then span them all.
   * Without it the rooms live in this process.
   */
  redisUrl?: string;
  /**
   * Whether this instance runs the chat bot (default yes). Of several instances only one should:
   * each bot would sit in the lobby and answer every command a second time.
   */
  bot?: boolean;
}

/** Builds and starts the sample: the page at `/`, the gateway at `/ws`, the bot connected. */
export async function startSample(
  options: SampleOptions,
): Promise<{ app: NestExpressApplication; port: number }> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ redisUrl: options.redisUrl }),
    { logger: options.logger },
  );
  app.useWebSocketAdapter(new EtpAdapter(app));
  app.enableShutdownHooks();

  // The page, and the package's browser build served as native ES modules (/etp/browser.js).
  app.useStaticAssets(fileURLToPath(new URL('../public', import.meta.url)));
  const browserBuild = dirname(fileURLToPath(import.meta.resolve('nestjs-etp/browser')));
  app.useStaticAssets(browserBuild, { prefix: '/etp/' });

  if (options.host === undefined) await app.listen(options.port);
  else await app.listen(options.port, options.host);
  const { port } = app.getHttpServer().address() as AddressInfo;

  if (options.bot === false) return { app, port };
  const botHost =
    options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  await app
    .get(ChatBot)
    .start(`ws://${botHost.includes(':') ? `[${botHost}]` : botHost}:${port}/ws`);
  return { app, port };
}
