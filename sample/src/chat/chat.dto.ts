import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** Room names: short, no spaces, so they read well in a URL (`POST /rooms/:room/messages`). */
export const ROOM_NAME = /^[\w.-]{1,40}$/;

export class RoomDto {
  @IsString()
  @Matches(ROOM_NAME, { message: 'room must be 1-40 letters, digits, ".", "_" or "-"' })
  room!: string;
}

export class JoinDto extends RoomDto {
  /** Clients that cannot answer the server's `profile` request (no acks) give their name here. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  name?: string;
}

export class SayDto extends RoomDto {
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text!: string;
}

export class PostMessageDto {
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text!: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;
}

/** What every member of a room receives as the `message` event. */
export interface ChatMessage {
  room: string;
  from: string;
  text: string;
  at: string;
}

/** What a client answers when the server asks for its `profile`. */
export interface Profile {
  name: string;
}
