import 'reflect-metadata';
import {
  Catch,
  Injectable,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import {
  Ack,
  BaseWsExceptionFilter,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import { IsInt, IsString, Min } from 'class-validator';
import { map, of, delay, type Observable } from 'rxjs';
import { EtpModule, type EtpAck, type EtpSocket } from '../../../src/index.js';
import { CapturingLogger, startApp, type TestApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

class CreateItem {
  @IsString() name!: string;
  @IsInt() @Min(1) count!: number;
}

@Injectable()
class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToWs().getClient<EtpSocket>().data.get('role') === 'admin';
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value })));
  }
}

@Catch(WsException)
class RenameFilter extends BaseWsExceptionFilter {
  override catch(exception: WsException, host: ArgumentsHost): void {
    host.switchToWs().getClient<EtpSocket>().emit('custom-error', { said: exception.message });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@WebSocketGateway({ path: '/ws' })
class HandlersGateway {
  @SubscribeMessage('hello')
  hello(@MessageBody() _body: unknown) {
    return 'hello handled';
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return body;
  }

  @SubscribeMessage('promise')
  async promise(@MessageBody() body: string) {
    await sleep(20);
    return `later: ${body}`;
  }

  @SubscribeMessage('observable')
  observable() {
    return of('first', 'second').pipe(delay(5));
  }

  @SubscribeMessage('stream-events')
  streamEvents() {
    return of({ event: 'tick', data: 1 }, { event: 'tick', data: 2 }, 'done');
  }

  @SubscribeMessage('ws-response')
  wsResponse(@MessageBody() body: unknown) {
    return { event: 'reply', data: { got: body } };
  }

  @SubscribeMessage('not-ws-response')
  notWsResponse() {
    return { event: 'shape', data: 1, extra: true };
  }

  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: EtpSocket) {
    return socket.id;
  }

  @SubscribeMessage('set-role')
  setRole(@ConnectedSocket() socket: EtpSocket, @MessageBody() role: string) {
    socket.data.set('role', role);
    return 'ok';
  }

  @SubscribeMessage('manual')
  manual(@MessageBody() body: string, @Ack() ack: EtpAck) {
    setTimeout(() => {
      ack(`manual: ${body}`);
      ack('a second answer is ignored');
    }, 10);
    return 'the return value is not the answer';
  }

  @SubscribeMessage('nothing')
  nothing() {
    return undefined;
  }

  @SubscribeMessage('slow')
  async slow() {
    await sleep(400);
    return 'slow done';
  }

  @SubscribeMessage('throws-ws')
  throwsWs() {
    throw new WsException('bad input');
  }

  @SubscribeMessage('throws-error')
  throwsError() {
    throw new Error('database down');
  }

  @SubscribeMessage('rejects')
  async rejects() {
    await sleep(5);
    throw new WsException({ code: 42, reason: 'object error' });
  }

  @SubscribeMessage('create')
  @UsePipes(
    new ValidationPipe({
      transform: true,
      exceptionFactory: (errors) =>
        new WsException(errors.flatMap((error) => Object.values(error.constraints ?? {}))),
    }),
  )
  create(@MessageBody() item: CreateItem) {
    return { created: item.name, count: item.count, isDto: item instanceof CreateItem };
  }

  @SubscribeMessage('guarded')
  @UseGuards(AdminGuard)
  guarded() {
    return 'secret';
  }

  @SubscribeMessage('intercepted')
  @UseInterceptors(WrapInterceptor)
  intercepted(@MessageBody() body: unknown) {
    return body;
  }

  @SubscribeMessage('filtered')
  @UseFilters(new RenameFilter())
  filtered() {
    throw new WsException('through a custom filter');
  }

  @SubscribeMessage('unencodable')
  unencodable() {
    return { count: 10n };
  }

  @SubscribeMessage('unencodable-event')
  unencodableEvent() {
    return { event: 'never', data: 10n };
  }

  @SubscribeMessage('ask-client')
  async askClient(@ConnectedSocket() socket: EtpSocket, @MessageBody() question: string) {
    const answer = await socket.emitWithAck('question', question, { timeout: 2_000 });
    return { clientSaid: answer };
  }
}

describe('gateway handlers over EtpAdapter', () => {
  let app: TestApp;
  let client: RawClient;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await startApp([EtpModule.forRoot()], [HandlersGateway], { logger });
  });
  beforeEach(async () => {
    client = await RawClient.connect(wsUrl(app.port));
  });
  afterEach(async () => {
    await client.close();
  });
  afterAll(async () => {
    await app.app.close();
  });

  it('answers with the return value, byte for byte as the Go reference client expects', async () => {
    expect(await client.request('hello||1||wait acknowledgment', '__ack_hello', 1)).toBe(
      '__ack_hello||1||hello handled',
    );
  });

  it('hands @MessageBody() a decoded JSON object and sends objects back as JSON', async () => {
    expect(await client.request('echo||2||{"a":[1,"x"]}', '__ack_echo', 2)).toBe(
      '__ack_echo||2||{"a":[1,"x"]}',
    );
  });

  it('awaits a Promise', async () => {
    expect(await client.request('promise||3||p', '__ack_promise', 3)).toBe(
      '__ack_promise||3||later: p',
    );
  });

  it('answers with the first value of an Observable', async () => {
    expect(await client.request('observable||4', '__ack_observable', 4)).toBe(
      '__ack_observable||4||first',
    );
  });

  it('emits the { event, data } values of an Observable and answers with the other', async () => {
    const answer = await client.request('stream-events||5', '__ack_stream-events', 5);
    expect(answer).toBe('__ack_stream-events||5||done');
    expect(await client.next('tick||0||1')).toBe('tick||0||1');
    expect(await client.next('tick||0||2')).toBe('tick||0||2');
  });

  it('emits a { event, data } result as that event, and still answers a waiting client', async () => {
    const answer = await client.request('ws-response||6||"hi"', '__ack_ws-response', 6);
    expect(answer).toBe('__ack_ws-response||6');
    expect(await client.next('reply||')).toBe('reply||0||{"got":"hi"}');
  });

  it('treats an object with more keys than event and data as a plain value', async () => {
    expect(await client.request('not-ws-response||7', '__ack_not-ws-response', 7)).toBe(
      '__ack_not-ws-response||7||{"event":"shape","data":1,"extra":true}',
    );
  });

  it('drops the result when no ack was asked', async () => {
    client.send('hello||0||fire and forget');
    client.send('ws-response||0||1');
    expect(await client.next('reply||')).toBe('reply||0||{"got":1}');
    // The reply proves both frames were handled; the hello result must not have been sent.
    expect(await client.request('nothing||8', '__ack_nothing', 8)).toBe('__ack_nothing||8');
    expect(client.received.filter((frame) => frame.startsWith('__ack_hello'))).toEqual([]);
  });

  it('gives @ConnectedSocket() the connection, with a 32-hex-character id', async () => {
    const answer = await client.request('whoami||9', '__ack_whoami', 9);
    expect(answer).toMatch(/^__ack_whoami\|\|9\|\|[0-9a-f]{32}$/);
  });

  it('lets an @Ack() handler answer by hand, once', async () => {
    const answer = await client.request('manual||10||m', '__ack_manual', 10);
    expect(answer).toBe('__ack_manual||10||manual: m');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.received.filter((frame) => frame.startsWith('__ack_manual'))).toEqual([]);
  });

  it('answers with no data part when the handler returns nothing', async () => {
    expect(await client.request('nothing||11', '__ack_nothing', 11)).toBe('__ack_nothing||11');
  });

  it('handles events of one connection concurrently: a slow handler holds back nothing', async () => {
    const order: string[] = [];
    const slow = client.request('slow||12', '__ack_slow', 12).then((frame) => order.push(frame));
    const fast = client
      .request('hello||13||x', '__ack_hello', 13)
      .then((frame) => order.push(frame));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['__ack_hello||13||hello handled', '__ack_slow||12||slow done']);
  });

  it('sends a WsException as the exception event, then an empty ack', async () => {
    const answer = await client.request('throws-ws||14||x', '__ack_throws-ws', 14);
    expect(answer).toBe('__ack_throws-ws||14');
    expect(client.received).toContain(
      'exception||0||{"status":"error","message":"bad input","cause":{"pattern":"throws-ws","data":"x"}}',
    );
    // The exception event went out before the ack.
  });

  it('sends an unknown error as Nest does, logs it and still answers', async () => {
    const answer = await client.request('throws-error||15', '__ack_throws-error', 15);
    expect(answer).toBe('__ack_throws-error||15');
    expect(await client.next('exception||')).toBe(
      'exception||0||{"status":"error","message":"Internal server error","cause":{"pattern":"throws-error"}}',
    );
    expect(logger.at('error').some((line) => line.includes('database down'))).toBe(true);
  });

  it('sends an object WsException from an async handler as it is', async () => {
    expect(await client.request('rejects||16', '__ack_rejects', 16)).toBe('__ack_rejects||16');
    expect(await client.next('exception||')).toBe(
      'exception||0||{"code":42,"reason":"object error"}',
    );
  });

  it('runs ValidationPipe on a class body', async () => {
    expect(await client.request('create||17||{"name":"pen","count":2}', '__ack_create', 17)).toBe(
      '__ack_create||17||{"created":"pen","count":2,"isDto":true}',
    );
    expect(await client.request('create||18||{"name":5,"count":0}', '__ack_create', 18)).toBe(
      '__ack_create||18',
    );
    const exception = JSON.parse((await client.next('exception||')).slice('exception||0||'.length));
    expect(exception).toEqual(['name must be a string', 'count must not be less than 1']);
  });

  it('runs guards with the ETP socket in the execution context', async () => {
    expect(await client.request('guarded||19', '__ack_guarded', 19)).toBe('__ack_guarded||19');
    expect(await client.next('exception||')).toMatch(/"message":"Forbidden resource"/);
    await client.request('set-role||20||admin', '__ack_set-role', 20);
    expect(await client.request('guarded||21', '__ack_guarded', 21)).toBe(
      '__ack_guarded||21||secret',
    );
  });

  it('runs interceptors around the handler', async () => {
    expect(await client.request('intercepted||22||7', '__ack_intercepted', 22)).toBe(
      '__ack_intercepted||22||{"wrapped":7}',
    );
  });

  it('runs exception filters, which answer through EtpSocket.emit', async () => {
    expect(await client.request('filtered||23', '__ack_filtered', 23)).toBe('__ack_filtered||23');
    expect(await client.next('custom-error||')).toBe(
      'custom-error||0||{"said":"through a custom filter"}',
    );
  });

  it('reports a result the codec cannot encode and still answers, empty', async () => {
    expect(await client.request('unencodable||25', '__ack_unencodable', 25)).toBe(
      '__ack_unencodable||25',
    );
    expect(await client.request('unencodable-event||26', '__ack_unencodable-event', 26)).toBe(
      '__ack_unencodable-event||26',
    );
    const failures = logger.at('error').filter((line) => line.includes('BigInt'));
    expect(failures.length).toBe(2);
    expect(client.received.filter((frame) => frame.startsWith('never'))).toEqual([]);
  });

  it('asks the client with emitWithAck while the client waits for its own ack', async () => {
    const answer = client.request('ask-client||24||ready?', '__ack_ask-client', 24);
    const question = await client.next('question||');
    expect(question).toBe('question||1||ready?');
    client.send('__ack_question||1||{"yes":true}');
    expect(await answer).toBe('__ack_ask-client||24||{"clientSaid":{"yes":true}}');
  });
});
