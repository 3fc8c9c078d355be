import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EtpClient } from '../../src/client/etp-client.js';
import { InjectEtpClient } from '../../src/client/tokens.js';
import { EtpModule } from '../../src/etp.module.js';
import { ETP_MODULE_OPTIONS } from '../../src/etp-module.options.js';
import { ETP_BROKER, ETP_CONNECTION_OBSERVER } from '../../src/etp.tokens.js';
import { EtpInMemoryBroker } from '../../src/rooms/in-memory-broker.js';
import { EtpRoomsService } from '../../src/rooms/etp-rooms.service.js';

@Injectable()
class UsesClients {
  constructor(
    readonly rooms: EtpRoomsService,
    readonly main: EtpClient,
    @InjectEtpClient('market') readonly market: EtpClient,
  ) {}
}

describe('EtpModule', () => {
  const opened: TestingModule[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((module) => module.close()));
  });

  async function compile(imports: unknown[], providers: unknown[] = []): Promise<TestingModule> {
    const module = await Test.createTestingModule({
      imports: imports as never,
      providers: providers as never,
    }).compile();
    opened.push(module);
    return module;
  }

  test('forRoot() gives the rooms service, a default client and the registry the adapter finds', async () => {
    const module = await compile([EtpModule.forRoot()]);
    const rooms = module.get(EtpRoomsService);
    expect(module.get(ETP_CONNECTION_OBSERVER)).toBe(rooms.registry);
    expect(module.get(EtpClient)).toBeInstanceOf(EtpClient);
    expect(module.get(ETP_BROKER)).toBeUndefined();
  });

  test('the broker of the options is the rooms service’s broker', async () => {
    const broker = new EtpInMemoryBroker();
    const module = await compile([EtpModule.forRoot({ broker })]);
    expect(module.get(ETP_BROKER)).toBe(broker);
  });

  test('named clients are injected by name, each with its own options', async () => {
    const module = await compile(
      [
        EtpModule.forRoot({
          client: { url: 'ws://127.0.0.1:1/main', connectOnBootstrap: false },
          clients: { market: { url: 'ws://127.0.0.1:1/market', connectOnBootstrap: false } },
        }),
      ],
      [UsesClients],
    );
    const uses = module.get(UsesClients);
    expect(uses.market).toBeInstanceOf(EtpClient);
    expect(uses.market).not.toBe(uses.main);
    expect(uses.market.name).toBe('market');
    expect(uses.main.name).toBeUndefined();
  });

  test('forRootAsync takes its options from a factory, named clients listed up front', async () => {
    const module = await compile(
      [
        EtpModule.forRootAsync({
          clients: ['market'],
          useFactory: async () => ({
            maxRoomsPerSocket: 5,
            clients: { market: { url: 'ws://127.0.0.1:1/m', connectOnBootstrap: false } },
          }),
        }),
      ],
      [UsesClients],
    );
    expect(module.get(ETP_MODULE_OPTIONS)).toMatchObject({ maxRoomsPerSocket: 5 });
    expect(module.get(EtpRoomsService).registry.maxRoomsPerSocket).toBe(5);
    expect(module.get(UsesClients).market.name).toBe('market');
  });

  test('a client listed in forRootAsync but missing from its options fails with a clear error', async () => {
    await expect(
      compile([EtpModule.forRootAsync({ clients: ['ghost'], useFactory: () => ({}) })]),
    ).rejects.toThrow('EtpModule: no options for the ETP client "ghost"');
  });

  test('is global by default; isGlobal: false keeps it to the importing module', () => {
    expect(EtpModule.forRoot().global).toBe(true);
    expect(EtpModule.forRoot({ isGlobal: false }).global).toBe(false);
  });
});
