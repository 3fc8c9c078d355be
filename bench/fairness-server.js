// The gateway of the fairness benchmark, in its own process: `node bench/fairness-server.js <limit>`.
//   limit: `default` (the gateway's default maxEventsPerSecond), or a number (0: no limit).
// One handler, `echo`, answers its body when asked to. The parent asks over IPC for `handled`
// (events handled so far) and `exit`.
/* global process */
import 'reflect-metadata';
import { HOST, tell } from './shared.js';

const [limit] = process.argv.slice(2);
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { WebSocketGateway, SubscribeMessage, MessageBody } = await import('@nestjs/websockets');
const { EtpAdapter, EtpModule } = await import('nestjs-etp');

let handled = 0;

class EchoGateway {
  echo(body) {
    handled++;
    return body;
  }
}
const echo = Object.getOwnPropertyDescriptor(EchoGateway.prototype, 'echo');
Reflect.decorate([SubscribeMessage('echo')], EchoGateway.prototype, 'echo', echo);
MessageBody()(EchoGateway.prototype, 'echo', 0);
const options = limit === 'default' ? {} : { maxEventsPerSecond: Number(limit) };
Reflect.decorate([WebSocketGateway({ heartbeat: false, ...options })], EchoGateway);

class FairnessModule {}
Reflect.decorate(
  [Module({ imports: [EtpModule.forRoot()], providers: [EchoGateway] })],
  FairnessModule,
);

const app = await NestFactory.create(FairnessModule, { logger: ['error'] });
app.useWebSocketAdapter(new EtpAdapter(app));
await app.listen(0, HOST);

process.on('message', (message) => {
  if (message.cmd === 'handled') tell({ type: 'handled', count: handled });
  else if (message.cmd === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
tell({ type: 'listening', port: app.getHttpServer().address().port });
