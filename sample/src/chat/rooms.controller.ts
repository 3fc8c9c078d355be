import { Body, Controller, Get, Param, Post, ValidationPipe } from '@nestjs/common';
import { EtpRoomsService } from 'nestjs-etp';
import { membersOf, roomSizes, sendToRoom } from './chat-members.js';
import { PostMessageDto, type ChatMessage } from './chat.dto.js';

/**
 * Plain HTTP that reaches ETP connections: `EtpRoomsService` is injectable anywhere. Behind a
 * load balancer, a request to any instance reaches the room's members on every instance.
 */
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: EtpRoomsService) {}

  /** Every room with members, on any instance, and how many. */
  @Get()
  list() {
    return roomSizes(this.rooms);
  }

  @Get(':room')
  async members(@Param('room') room: string) {
    return { room, members: await membersOf(this.rooms, room) };
  }

  /** `curl -d '{"text":"hi"}' -H 'content-type: application/json' localhost:3000/rooms/lobby/messages` */
  @Post(':room/messages')
  async post(
    @Param('room') room: string,
    @Body(new ValidationPipe({ whitelist: true })) body: PostMessageDto,
  ) {
    const message: ChatMessage = {
      room,
      from: body.from ?? 'http',
      text: body.text,
      at: new Date().toISOString(),
    };
    return { delivered: await sendToRoom(this.rooms, room, message) };
  }
}
