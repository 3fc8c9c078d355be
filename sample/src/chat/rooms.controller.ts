import { Body, Controller, Get, Param, Post, ValidationPipe } from '@nestjs/common';
import { EtpRoomsService } from 'nestjs-etp';
import { membersOf } from './chat-members.js';
import { PostMessageDto, type ChatMessage } from './chat.dto.js';

/** Plain HTTP that reaches ETP connections: `EtpRoomsService` is injectable anywhere. */
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: EtpRoomsService) {}

  /** Every room with members, and how many. */
  @Get()
  list() {
    return this.rooms.list().map((room) => ({ room, size: this.rooms.size(room) }));
  }

  @Get(':room')
  members(@Param('room') room: string) {
    return { room, members: membersOf(this.rooms, room) };
  }

  /** `curl -d '{"text":"hi"}' -H 'content-type: application/json' localhost:3000/rooms/lobby/messages` */
  @Post(':room/messages')
  post(
    @Param('room') room: string,
    @Body(new ValidationPipe({ whitelist: true })) body: PostMessageDto,
  ) {
    const message: ChatMessage = {
      room,
      from: body.from ?? 'http',
      text: body.text,
      at: new Date().toISOString(),
    };
    return { delivered: this.rooms.to(room).emit('message', message) };
  }
}
