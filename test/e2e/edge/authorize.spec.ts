import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import {
  ForbiddenException,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { EtpModule, type EtpGatewayOptions, type EtpSocket } from '../../../src/index.js';
import { CapturingLogger, eventually, startApp } from '../../support/app.js';
import { RawClient, wsUrl } from '../../support/raw-client.js';

/** Stands for a JwtService: the authorizer class injects it. */
@Injectable()
class TokenService {
  verify(token: string | null): { user: string } | undefined {
    return token === 'good' ? { user: 'alice' } : undefined;
  }
}

@Injectable()
class TokenAuthorizer {
  constructor(private readonly tokens: TokenService) {}

  authorize(request: IncomingMessage) {
    const token = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
    return this.tokens.verify(token) ?? false;
  }
}

const tokenOf = (request: IncomingMessage) =>
  new URL(request.url ?? '/', 'http://x').searchParams.get('token');

const seen = { connections: [] as unknown[], guarded: [] as unknown[] };

@Injectable()
class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const auth = context.switchToWs().getClient<EtpSocket>().auth;
    seen.guarded.push(auth);
    return auth !== undefined;
  }
}

let slowRelease: () => void = () => undefined;
let slowCalls = 0;

@WebSocketGateway<EtpGatewayOptions>({
  path: '/fn',
  authorize: async (request) => {
    const token = tokenOf(request);
    if (token === 'throw') throw new Error('token store down\nforged line');
    if (token === 'forbidden') throw new ForbiddenException();
    if (token === 'slow') {
      slowCalls++;
      await new Promise<void>((resolve) => (slowRelease = resolve));
      return { user: 'late' };
    }
    return token === 'good' ? { user: 'bob' } : false;
  },
  authorizeTimeout: 300,
})
class FunctionGateway {
  handleConnection(socket: EtpSocket) {
    seen.connections.push(socket.auth);
  }

  @UseGuards(AuthGuard)
  @SubscribeMessage('secret')
  secret(@ConnectedSocket() socket: EtpSocket) {
    return `the secret, for ${(socket.auth as { user: string }).user}`;
  }
}

@WebSocketGateway<EtpGatewayOptions>({ path: '/class', authorize: TokenAuthorizer })
class ClassGateway {
  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: EtpSocket) {
    return socket.auth;
  }
}

@WebSocketGateway({ path: '/typo', verifyClient: () => true, maxPayLoad: 10 } as EtpGatewayOptions)
class TypoGateway {}

describe('authorize', () => {
  let logger: CapturingLogger;
  let app: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    logger = new CapturingLogger();
    app = await startApp(
      [EtpModule.forRoot()],
      [FunctionGateway, ClassGateway, TypoGateway, TokenService, AuthGuard],
      { logger },
    );
  });
  afterAll(() => app.app.close());
  beforeEach(() => {
    seen.connections.length = 0;
    seen.guarded.length = 0;
  });

  const connect = (path: string, token: string) =>
    RawClient.connect(wsUrl(app.port, `${path}?token=${token}`));

  it('keeps what it returns as socket.auth, for handleConnection, guards and handlers', async () => {
    const client = await connect('/fn', 'good');
    expect(await client.request('secret||1||"gimme"', '__ack_secret', 1)).toBe(
      '__ack_secret||1||the secret, for bob',
    );
    expect(seen.connections).toEqual([{ user: 'bob' }]);
    expect(seen.guarded).toEqual([{ user: 'bob' }]);
    await client.close();
  });

  it('refuses false with 401 before any WebSocket exists', async () => {
    await expect(connect('/fn', 'bad')).rejects.toThrow('handshake refused: 401');
    expect(seen.connections).toEqual([]);
  });

  it('refuses with the status of a thrown HttpException', async () => {
    await expect(connect('/fn', 'forbidden')).rejects.toThrow('handshake refused: 403');
  });

  it('refuses with 500 when it throws anything else, and logs it escaped', async () => {
    await expect(connect('/fn', 'throw')).rejects.toThrow('handshake refused: 500');
    const line = logger.at('error').find((one) => one.includes('token store down'));
    expect(line).toContain('token store down\\nforged line');
    expect(line).not.toContain('token store down\n');
  });

  it('refuses with 503 when it takes longer than authorizeTimeout', async () => {
    const calls = slowCalls;
    await expect(connect('/fn', 'slow')).rejects.toThrow('handshake refused: 503');
    expect(slowCalls).toBe(calls + 1);
    slowRelease();
    expect(seen.connections).toEqual([]);
  });

  it('upgrades nothing for a peer that went away while it was deciding', async () => {
    const calls = slowCalls;
    const socket = netConnect(app.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `GET /fn?token=slow HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.alloc(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await eventually(() => slowCalls === calls + 1);
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    slowRelease(); // the authorizer says yes, to a peer that is gone
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.connections).toEqual([]);
    // And the server goes on serving.
    const client = await connect('/fn', 'good');
    expect(seen.connections).toEqual([{ user: 'bob' }]);
    await client.close();
  });

  it('takes a class from the container, with its injected providers', async () => {
    const client = await connect('/class', 'good');
    expect(await client.request('whoami||1', '__ack_whoami', 1)).toBe(
      '__ack_whoami||1||{"user":"alice"}',
    );
    await client.close();
    await expect(connect('/class', 'bad')).rejects.toThrow('handshake refused: 401');
  });

  it('reports gateway option keys it does not know at startup, and only those', () => {
    const unknown = logger
      .at('warn')
      .filter((line) => line.startsWith('Unknown ETP gateway option'));
    expect(unknown).toEqual([
      'Unknown ETP gateway option "verifyClient" is ignored: use authorize',
      'Unknown ETP gateway option "maxPayLoad" is ignored',
    ]);
  });
});
