import { Logger } from '@nestjs/common';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import {
  ETP_UNKNOWN_EVENT,
  EtpEventName,
  EtpRoomsService,
  type EtpHandshake,
  type EtpSocket,
} from 'nestjs-etp';

/** The Go reference README's example, served unchanged to its client. */
@WebSocketGateway({ path: '/ws' })
export class HelloGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(HelloGateway.name);

  constructor(private readonly rooms: EtpRoomsService) {}

  handleConnection(socket: EtpSocket, request: EtpHandshake): void {
    this.logger.log(`id: ${socket.id}, url: ${request.url}, connected`);
    this.rooms.join(socket, 'goodClients');
    socket.data.set('key', 'value');
  }

  handleDisconnect(socket: EtpSocket, reason?: string): void {
    this.logger.log(
      `disconnected ${socket.id} (${reason}), normal close: ${socket.isNormalClose()}`,
    );
  }

  @SubscribeMessage('hello')
  hello(@MessageBody() body: unknown): string {
    this.logger.log(`hello event received: ${String(body)}`);
    return 'hello handled';
  }

  @SubscribeMessage(ETP_UNKNOWN_EVENT)
  unknown(@EtpEventName() event: string, @MessageBody() body: unknown): void {
    this.logger.log(`unknown event received, ${event}, ${String(body ?? '')}`);
  }
}
