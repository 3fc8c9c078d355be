/**
 * An application made as the README shows it (`NestFactory.create`, shutdown hooks), run in a
 * process of its own, whose authorizers throw whatever the handshake's `token` asks for. It
 * prints `{"port":…}` once listening and `{"pending":n}` each time a never-ending authorization
 * begins. `MODE=missing-dependency` adds a gateway whose authorizer class injects what no module
 * provides, `MODE=without-etp-module` leaves `EtpModule` out; `AUTHORIZE_TIMEOUT` and
 * `SHUTDOWN_TIMEOUT` set the gateway's options.
 */
import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpException, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  EtpAdapter,
  EtpModule,
  type EtpAuthorizer,
  type EtpGatewayOptions,
  type EtpSocket,
} from '../../../../src/index.js';

const tokenOf = (request: IncomingMessage): string =>
  new URL(request.url ?? '/', 'http://x').searchParams.get('token') ?? '';

let pending = 0;

const throwing = (): never => {
  throw Object.create(null);
};
/** A Proxy whose every trap throws: even looking at it fails. */
const trapped = new Proxy(
  {},
  Object.fromEntries(
    ['get', 'has', 'getPrototypeOf', 'ownKeys', 'getOwnPropertyDescriptor', 'apply'].map((trap) => [
      trap,
      throwing,
    ]),
  ),
);
/** An Error whose message and name (so its stack too) throw when read. */
class UnreadableError extends Error {}
Object.defineProperties(UnreadableError.prototype, {
  message: { get: throwing },
  name: { get: throwing },
});
const withStatus = (getStatus: () => unknown) => Object.assign(Object.create(null), { getStatus });

/** What the `token` of a handshake makes `authorize` throw, or return. */
const HOSTILE: Record<string, () => unknown> = {
  null: () => {
    throw null;
  },
  undefined: () => {
    throw undefined;
  },
  symbol: () => {
    throw Symbol('hostile');
  },
  'null-prototype': throwing,
  'proxy-traps-throw': () => {
    throw trapped;
  },
  'getters-throw': () => {
    throw new UnreadableError();
  },
  'message-not-string': () => {
    throw Object.defineProperty(new Error('x'), 'message', { value: { toString: throwing } });
  },
  'get-status-throws': () => {
    throw withStatus(throwing);
  },
  'get-status-42': () => {
    throw withStatus(() => 42);
  },
  'get-status-abc': () => {
    throw withStatus(() => 'abc');
  },
  'get-status-99999': () => {
    throw withStatus(() => 99_999);
  },
  'rejects-null-prototype': () => Promise.reject(Object.create(null)),
  'rejects-proxy': () => Promise.reject(trapped),
  'rejects-get-status-throws': () => Promise.reject(withStatus(throwing)),
  'thenable-then-throws': () => ({ then: throwing }),
  'then-getter-throws': () => Object.defineProperty({}, 'then', { get: throwing }),
};

function authorize(request: IncomingMessage): unknown {
  const token = tokenOf(request);
  if (token === 'good') return { user: 'alice' };
  if (token === 'teapot') throw new HttpException('short and stout', 418);
  if (token === 'never') {
    console.log(JSON.stringify({ pending: ++pending }));
    return new Promise(() => undefined);
  }
  if (Object.hasOwn(HOSTILE, token)) return HOSTILE[token]();
  return false;
}

@WebSocketGateway<EtpGatewayOptions>({
  path: '/fn',
  authorize,
  authorizeTimeout: Number(process.env.AUTHORIZE_TIMEOUT ?? 30_000),
  shutdownTimeout: Number(process.env.SHUTDOWN_TIMEOUT ?? 2_000),
})
class FunctionGateway {
  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: EtpSocket) {
    return socket.auth;
  }
}

/** Stands for a JwtService. */
@Injectable()
class TokenService {
  verify(token: string): { user: string } | undefined {
    return token === 'good' ? { user: 'bob' } : undefined;
  }
}

/** Not listed in any module's providers, as the README allows; it injects one that is. */
@Injectable()
class UnlistedAuthorizer implements EtpAuthorizer {
  constructor(private readonly tokens: TokenService) {}

  authorize(request: IncomingMessage) {
    return this.tokens.verify(tokenOf(request)) ?? false;
  }
}

@WebSocketGateway<EtpGatewayOptions>({ path: '/class', authorize: UnlistedAuthorizer })
class ClassGateway {
  @SubscribeMessage('whoami')
  whoami(@ConnectedSocket() socket: EtpSocket) {
    return socket.auth;
  }
}

/** Provided by no module. */
@Injectable()
class MissingService {}

@Injectable()
class MissingDependencyAuthorizer implements EtpAuthorizer {
  constructor(private readonly missing: MissingService) {}

  authorize() {
    return this.missing;
  }
}

@WebSocketGateway<EtpGatewayOptions>({ path: '/missing', authorize: MissingDependencyAuthorizer })
class MissingDependencyGateway {}

const gateways =
  process.env.MODE === 'missing-dependency'
    ? [MissingDependencyGateway]
    : [FunctionGateway, ClassGateway];

@Module({
  imports: process.env.MODE === 'without-etp-module' ? [] : [EtpModule.forRoot()],
  providers: [...gateways, TokenService],
})
class AuthorizeModule {}

const app = await NestFactory.create(AuthorizeModule, { logger: ['error', 'warn'] });
app.useWebSocketAdapter(new EtpAdapter(app));
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
console.log(
  JSON.stringify({ port: (app.getHttpServer() as { address(): AddressInfo }).address().port }),
);
