import { Module } from '@nestjs/common';
import { EtpModule } from 'nestjs-etp';
import { ChatBot } from './bot/chat-bot.js';
import { ChatGateway, LegacyChatGateway } from './chat/chat.gateway.js';
import { RoomsController } from './chat/rooms.controller.js';
import { HelloGateway } from './hello.gateway.js';

@Module({
  imports: [EtpModule.forRoot()],
  controllers: [RoomsController],
  providers: [HelloGateway, ChatGateway, LegacyChatGateway, ChatBot],
})
export class AppModule {}
