import { Module, type DynamicModule } from '@nestjs/common';
import { EtpModule, type EtpModuleOptions } from 'nestjs-etp';
import { ChatBot } from './bot/chat-bot.js';
import { ChatGateway, LegacyChatGateway } from './chat/chat.gateway.js';
import { RoomsController } from './chat/rooms.controller.js';
import { HelloGateway } from './hello.gateway.js';

export interface AppModuleOptions {
  /** Redis to share the rooms with the app's other instances; one process alone without it. */
  redisUrl?: string;
}

@Module({})
export class AppModule {
  static forRoot({ redisUrl }: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [EtpModule.forRootAsync({ useFactory: () => etpOptions(redisUrl) })],
      controllers: [RoomsController],
      providers: [HelloGateway, ChatGateway, LegacyChatGateway, ChatBot],
    };
  }
}

/**
 * The Redis broker is imported only when it is asked for: an app run as one process never
 * loads a Redis client (`ioredis` is an optional peer dependency of `nestjs-etp/redis`).
 */
async function etpOptions(redisUrl: string | undefined): Promise<EtpModuleOptions> {
  // Each room keeps its last 1,000 messages for 2 minutes: a page that lost its connection gets
  // what it missed when it comes back, on whichever instance it lands.
  const recovery = { maxDisconnection: 120_000, maxMessages: 1_000 };
  if (redisUrl === undefined) return { recovery };
  const { EtpRedisBroker } = await import('nestjs-etp/redis');
  return { broker: new EtpRedisBroker({ url: redisUrl }), recovery };
}
