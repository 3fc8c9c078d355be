import { Injectable, Logger } from '@nestjs/common';
import { EtpClient, OnEtpEvent } from 'nestjs-etp';
import type { ChatMessage, Profile } from '../chat/chat.dto.js';

export const BOT_NAME = 'bot';
export const BOT_ROOM = 'lobby';

/**
 * The other half of the module: a service that is itself an ETP client. It connects back to the
 * app's own gateway, sits in the lobby and answers `!help`, `!time` and `!who` there.
 */
@Injectable()
export class ChatBot {
  private readonly logger = new Logger(ChatBot.name);

  constructor(private readonly client: EtpClient) {
    // Join again after every reconnection: the server forgets the rooms of a dropped connection.
    client.onConnect(() => void this.joinLobby());
  }

  async start(url: string): Promise<void> {
    await this.client.connect(url);
  }

  /** The server asks every newcomer who it is; the return value is the ack. */
  @OnEtpEvent('profile')
  profile(): Profile {
    return { name: BOT_NAME };
  }

  @OnEtpEvent('message')
  async onMessage(message: ChatMessage): Promise<void> {
    if (message.from === BOT_NAME || !message.text.startsWith('!')) return;
    const reply = await this.answer(message.text.trim().toLowerCase(), message.room);
    if (reply !== undefined)
      await this.client.emitWithAck('say', { room: message.room, text: reply });
  }

  /**
   * Room traffic the bot has no use for. Handled on purpose, so that the client does not report
   * every one of them as an event nobody handles.
   */
  @OnEtpEvent('joined')
  @OnEtpEvent('left')
  ignore(): void {}

  /** The server refused something the bot said (validation, a room it is not in). */
  @OnEtpEvent('exception')
  onException(error: { message?: unknown }): void {
    this.logger.warn(`the server refused: ${JSON.stringify(error.message)}`);
  }

  private async answer(command: string, room: string): Promise<string | undefined> {
    switch (command) {
      case '!help':
        return 'I answer !help, !time and !who';
      case '!time':
        return `it is ${new Date().toISOString()} here`;
      case '!who': {
        const { members } = await this.client.emitWithAck<{ members: string[] }>('who', { room });
        return `in ${room}: ${members.join(', ')}`;
      }
      default:
        return undefined;
    }
  }

  private async joinLobby(): Promise<void> {
    try {
      await this.client.emitWithAck('join', { room: BOT_ROOM });
      this.logger.log(`joined ${BOT_ROOM}`);
    } catch (error) {
      this.logger.warn(`could not join ${BOT_ROOM}: ${(error as Error).message}`);
    }
  }
}
