import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Injectable, Logger, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EtpClient } from '../../../src/client/etp-client.js';
import { OnEtpEvent } from '../../../src/client/on-etp-event.decorator.js';
import { getEtpClientToken } from '../../../src/client/tokens.js';
import { EtpModule } from '../../../src/etp.module.js';
import { TestServer, until } from './transport-harness.js';

@Injectable()
class UsesThis {
  private readonly prefix = 'seen:';

  @OnEtpEvent('note')
  async note(data: unknown): Promise<string> {
    got.push(['note', data]);
    return `${this.prefix}${String(data)}`;
  }
}

const got: unknown[][] = [];

@Injectable()
class NewsListener {
  @OnEtpEvent('news')
  news(data: unknown, event: string): string {
    got.push(['news', data, event]);
    return 'thanks';
  }

  @OnEtpEvent('price', { client: 'market' })
  price(data: unknown): void {
    got.push(['price', data]);
  }
}

@Injectable()
class SecondNewsListener {
  @OnEtpEvent('news')
  news(data: unknown): void {
    got.push(['second', data]);
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScoped {
  @OnEtpEvent('news')
  news(): void {}
}

@Injectable()
class UnknownClient {
  @OnEtpEvent('x', { client: 'ghost' })
  x(): void {}
}

describe('EtpEventExplorer', () => {
  let server: TestServer;
  const opened: TestingModule[] = [];

  beforeEach(async () => {
    got.length = 0;
    server = await TestServer.start();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(opened.splice(0).map((module) => module.close()));
    await server.close();
  });

  async function boot(providers: unknown[]): Promise<TestingModule> {
    const options = { url: server.url, connectOnBootstrap: false, reconnect: false } as const;
    const module = await Test.createTestingModule({
      imports: [EtpModule.forRoot({ client: options, clients: { market: options } })],
      providers: providers as never,
    }).compile();
    opened.push(module);
    await module.init();
    return module;
  }

  test('binds each @OnEtpEvent method to its client; its value answers the server', async () => {
    const module = await boot([NewsListener]);
    const main = module.get(EtpClient);
    const market = module.get<EtpClient>(getEtpClientToken('market'));
    await main.connect();
    const mainPeer = await server.peer();
    await market.connect();
    await until(() => server.peers.length === 2);
    const marketPeer = server.peers[1];
    mainPeer.send('news||4||{"n":1}');
    marketPeer.send('price||0||42');
    await until(() => got.length === 2 && server.received.length >= 1);
    // Two connections: which message is handled first is theirs to say.
    expect(got).toHaveLength(2);
    expect(got).toEqual(
      expect.arrayContaining([
        ['news', { n: 1 }, 'news'],
        ['price', 42],
      ]),
    );
    expect(server.received.map(({ data }) => data)).toContain('__ack_news||4||thanks');
  });

  test('a second handler of the same event on the same client replaces the first, with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const module = await boot([NewsListener, SecondNewsListener]);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      "@OnEtpEvent('news') on SecondNewsListener.news replaces the one on NewsListener.news",
    ]);
    await module.get(EtpClient).connect();
    (await server.peer()).send('news||0||1');
    await until(() => got.length === 1);
    expect(got).toEqual([['second', 1]]);
  });

  test('a provider that is not a singleton is skipped with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await boot([RequestScoped]);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      '@OnEtpEvent on RequestScoped.news ignored: the provider is not a singleton',
    ]);
  });

  test('a handler naming a client the module does not configure fails the boot', async () => {
    await expect(boot([UnknownClient])).rejects.toThrow(
      `@OnEtpEvent('x') on UnknownClient.x names the ETP client "ghost", which EtpModule.forRoot({ clients }) does not configure`,
    );
  });

  test('binds with the provider as this, and a promise answers with what it resolves to', async () => {
    const module = await boot([UsesThis]);
    await module.get(EtpClient).connect();
    (await server.peer()).send('note||9||"a"');
    await until(() => server.received.length === 1);
    expect(server.received[0].data).toBe('__ack_note||9||seen:a');
    expect(got).toEqual([['note', 'a']]);
  });

  test('one instance under two tokens is bound once, with no warning of a replacement', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const module = await boot([
      SecondNewsListener,
      { provide: 'alias', useExisting: SecondNewsListener },
    ]);
    expect(warn).not.toHaveBeenCalled();
    await module.get(EtpClient).connect();
    (await server.peer()).send('news||0||1');
    await until(() => got.length === 1);
    expect(got).toEqual([['second', 1]]);
  });

  test('providers that are null, primitive, functions or without a prototype are passed over', async () => {
    const bare = Object.create(null) as object;
    await expect(
      boot([
        { provide: 'null', useValue: null },
        { provide: 'text', useValue: 'text' },
        { provide: 'number', useValue: 7 },
        { provide: 'fn', useValue: () => 1 },
        { provide: 'bare', useValue: bare },
      ]),
    ).resolves.toBeDefined();
  });

  test('in an application with an HTTP server, the clients wait for it to listen', async () => {
    const module = await Test.createTestingModule({
      imports: [
        EtpModule.forRoot({ client: { url: server.url, reconnect: false, recovery: false } }),
      ],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    try {
      await app.init();
      const client = app.get(EtpClient);
      // Without the wait, init() would have held until this connection opened.
      expect(client.connected).toBe(false);
      expect(server.peers).toHaveLength(0);
      await app.listen(0, '127.0.0.1');
      await until(() => client.connected);
      expect(server.peers).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
