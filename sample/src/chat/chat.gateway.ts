import { Logger, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { EtpRoomsService, type EtpSocket } from 'nestjs-etp';
import { chatRoomsOf, membersOf, nameOf, sendToRoom, setName } from './chat-members.js';
import { JoinDto, ROOM_NAME, RoomDto, SayDto, type ChatMessage, type Profile } from './chat.dto.js';

const PROFILE_TIMEOUT_MS = 5_000;

/**
 * A small chat on the same path as the Go example. Clients `join` and `leave` rooms, `say`
 * something to a room and ask `who` is in it; the server asks a newcomer for its `profile`.
 * Run as several instances over Redis, a room spans them all: its broadcasts and its member
 * list (`fetchSockets()`) go through the broker.
 */
@WebSocketGateway({ path: '/ws' })
@UsePipes(
  new ValidationPipe({
    whitelist: true,
    exceptionFactory: (errors) =>
      new WsException(errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ')),
  }),
)
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);

  constructor(private readonly rooms: EtpRoomsService) {}

  /**
   * A page that comes back after losing its connection names its room and name in the
   * handshake: it is put back at once, so that the room's messages it missed reach it (when
   * `socket.recovered`) before anything newer. Its page tells the user which it was.
   */
  handleConnection(socket: EtpSocket): void {
    const back = returningMember(socket.request.url);
    if (back === undefined) return;
    setName(this.rooms, socket, back.name);
    this.rooms.join(socket, back.room);
    // The others saw it leave when its connection dropped.
    this.rooms.to(back.room).except(socket).emit('joined', back);
  }

  /**
   * Answers with the room's members, the newcomer included; the others hear `joined`. A client
   * that gave no name is asked for its `profile` first.
   */
  @SubscribeMessage('join')
  async join(@MessageBody() { room, name: given }: JoinDto, @ConnectedSocket() socket: EtpSocket) {
    if (given !== undefined) setName(this.rooms, socket, given);
    const name = nameOf(socket) ?? (await this.askName(socket));
    this.rooms.join(socket, room);
    this.rooms.to(room).except(socket).emit('joined', { room, name });
    return { room, name, members: await membersOf(this.rooms, room) };
  }

  @SubscribeMessage('leave')
  leave(@MessageBody() { room }: RoomDto, @ConnectedSocket() socket: EtpSocket) {
    this.rooms.leave(socket, room);
    this.rooms.to(room).emit('left', { room, name: nameOf(socket) });
    return { room };
  }

  /** Every member of the room, the sender included, gets the `message`; the ack says how many. */
  @SubscribeMessage('say')
  async say(@MessageBody() { room, text }: SayDto, @ConnectedSocket() socket: EtpSocket) {
    if (!chatRoomsOf(socket).includes(room)) {
      throw new WsException(`join ${room} before you speak in it`);
    }
    const message: ChatMessage = {
      room,
      from: nameOf(socket) ?? 'anonymous',
      text,
      at: new Date().toISOString(),
    };
    return { delivered: await sendToRoom(this.rooms, room, message) };
  }

  @SubscribeMessage('who')
  async who(@MessageBody() { room }: RoomDto) {
    return { room, members: await membersOf(this.rooms, room) };
  }

  handleDisconnect(socket: EtpSocket): void {
    const name = nameOf(socket);
    for (const room of chatRoomsOf(socket)) this.rooms.to(room).emit('left', { room, name });
  }

  /** The server's own request with an ack: the client's `profile` handler answers it. */
  protected async askName(socket: EtpSocket): Promise<string> {
    try {
      const profile = await socket.emitWithAck<Partial<Profile> | undefined>('profile', undefined, {
        timeout: PROFILE_TIMEOUT_MS,
      });
      const name = typeof profile?.name === 'string' ? profile.name.trim().slice(0, 40) : '';
      if (name !== '') {
        setName(this.rooms, socket, name);
        return name;
      }
    } catch (error) {
      this.logger.warn(`No profile from ${socket.id}: ${(error as Error).message}`);
    }
    return this.guestName(socket);
  }

  protected guestName(socket: EtpSocket): string {
    const guest = `guest-${socket.id.slice(0, 6)}`;
    setName(this.rooms, socket, guest);
    return guest;
  }
}

/** The room and name a returning page gives in its handshake URL, when both are well formed. */
function returningMember(url: string | undefined): { room: string; name: string } | undefined {
  const query = new URLSearchParams(url?.split('?')[1] ?? '');
  const room = query.get('room') ?? '';
  const name = (query.get('name') ?? '').trim();
  if (!ROOM_NAME.test(room) || name === '' || name.length > 40) return undefined;
  return { room, name };
}

/**
 * The same chat for the old JS client (isp-etp-js-client v2): it rejects frames without a JSON
 * data part, so this path speaks strict JSON. Rooms are shared: its users meet those of `/ws`.
 * That client has no acks (it sends `join||0||…`), so what `join` and `who` answer reaches it as
 * a `members` event instead.
 */
@WebSocketGateway({ path: '/legacy', codec: 'json' })
export class LegacyChatGateway extends ChatGateway {
  @SubscribeMessage('join')
  override async join(@MessageBody() body: JoinDto, @ConnectedSocket() socket: EtpSocket) {
    const answer = await super.join(body, socket);
    socket.emit('members', { room: answer.room, members: answer.members });
    return answer;
  }

  @SubscribeMessage('who')
  override async who(@MessageBody() body: RoomDto, @ConnectedSocket() socket?: EtpSocket) {
    const answer = await super.who(body);
    socket?.emit('members', answer);
    return answer;
  }

  /** The old client cannot answer a `profile` request: one that gave no name is a guest at once. */
  protected override askName(socket: EtpSocket): Promise<string> {
    return Promise.resolve(this.guestName(socket));
  }
}
