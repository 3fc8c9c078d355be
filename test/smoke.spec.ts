import 'reflect-metadata';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpModule } from '../src/index.js';
import { startApp } from './support/app.js';
import { RawClient, wsUrl } from './support/raw-client.js';

@WebSocketGateway({ path: '/ws' })
class HelloGateway {
  @SubscribeMessage('hello')
  hello(@MessageBody() body: string) {
    return 'hello handled';
  }
}

test('smoke', async () => {
  const { app, port } = await startApp([EtpModule.forRoot()], [HelloGateway]);
  const client = await RawClient.connect(wsUrl(port));
  expect(await client.request('hello||1||wait acknowledgment', '__ack_hello', 1)).toBe(
    '__ack_hello||1||hello handled',
  );
  await client.close();
  await app.close();
});
