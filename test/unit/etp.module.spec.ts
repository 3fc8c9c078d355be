import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EtpClient } from '../../src/client/etp-client.js';
import { InjectEtpClient } from '../../src/client/tokens.js';
import { EtpModule } from '../../src/etp.module.js';
import {
  ETP_MODULE_OPTIONS,
  type EtpModuleOptions,
  type EtpOptionsFactory,
} from '../../src/etp-module.options.js';
import { ETP_BROKER, ETP_CONNECTION_OBSERVER } from '../../src/etp.tokens.js';
import { EtpInMemoryBroker } from '../../src/rooms/in-memory-broker.js';
import { EtpRoomsService } from '../../src/rooms/etp-rooms.service.js';
import { TestServer } from './client/transport-harness.js';

@Injectable()
class UsesClients {
  constructor(
    readonly rooms: EtpRoomsService,
    readonly main: EtpClient,
    @InjectEtpClient('market') readonly market: EtpClient,
  ) {}
}

@Injectable()
class NeedsRooms {
  constructor(readonly rooms: EtpRoomsService) {}
}

/** A feature module that does not import EtpModule itself. */
@Module({ providers: [NeedsRooms] })
class FeatureModule {}

@Injectable()
class OptionsFromClass implements EtpOptionsFactory {
  createEtpOptions(): EtpModuleOptions {
    return {
      maxRoomsPerSocket: 7,
      clients: { market: { url: 'ws://127.0.0.1:1/m', connectOnBootstrap: false } },
    };
  }
}

const SETTINGS = 'SETTINGS';

@Module({ providers: [{ provide: SETTINGS, useValue: { rooms: 9 } }], exports: [SETTINGS] })
class SettingsModule {}

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

  test('a global module reaches a feature module that does not import it; isGlobal: false does not', async () => {
    const module = await compile([EtpModule.forRoot(), FeatureModule]);
    expect(module.get(NeedsRooms).rooms).toBe(module.get(EtpRoomsService));
    await expect(compile([EtpModule.forRoot({ isGlobal: false }), FeatureModule])).rejects.toThrow(
      /resolve dependencies of the NeedsRooms/,
    );
  });

  test('forRootAsync takes a useClass options factory', async () => {
    const module = await compile(
      [EtpModule.forRootAsync({ clients: ['market'], useClass: OptionsFromClass })],
      [UsesClients],
    );
    expect(module.get(EtpRoomsService).registry.maxRoomsPerSocket).toBe(7);
    expect(module.get(UsesClients).market.name).toBe('market');
  });

  test('forRootAsync hands the factory what it injects from an imported module', async () => {
    const module = await compile([
      EtpModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SETTINGS],
        useFactory: (settings: { rooms: number }) => ({ maxRoomsPerSocket: settings.rooms }),
      }),
    ]);
    expect(module.get(EtpRoomsService).registry.maxRoomsPerSocket).toBe(9);
  });

  test('a factory that throws fails the module, not later', async () => {
    await expect(
      compile([
        EtpModule.forRootAsync({
          useFactory: () => {
            throw new Error('no config');
          },
        }),
      ]),
    ).rejects.toThrow('no config');
  });

  test('recovery options are checked as the module is made; valid ones turn recovery on', async () => {
    await expect(
      compile([EtpModule.forRoot({ recovery: { maxDisconnection: 0, maxMessages: 10 } })]),
    ).rejects.toThrow('recovery.maxDisconnection must be a positive whole number, got 0');
    await expect(
      compile([EtpModule.forRoot({ recovery: { maxDisconnection: 1_000, maxMessages: 1.5 } })]),
    ).rejects.toThrow('recovery.maxMessages must be a positive whole number, got 1.5');
    const off = await compile([EtpModule.forRoot()]);
    expect(off.get(EtpRoomsService).registry.recovery).toBeUndefined();
    const on = await compile([
      EtpModule.forRoot({ recovery: { maxDisconnection: 1_000, maxMessages: 10 } }),
    ]);
    expect(on.get(EtpRoomsService).registry.recovery).toBeDefined();
  });

  test('a bad maxRoomsPerSocket fails the module as it is made', async () => {
    await expect(compile([EtpModule.forRoot({ maxRoomsPerSocket: 0 })])).rejects.toThrow(
      'maxRoomsPerSocket must be at least 1, got 0',
    );
  });

  test('the configured client connects when the application starts and closes when it stops', async () => {
    const server = await TestServer.start();
    try {
      const module = await compile([
        EtpModule.forRoot({ client: { url: server.url, reconnect: false, recovery: false } }),
      ]);
      const client = module.get(EtpClient);
      expect(client.connected).toBe(false);
      await module.init();
      expect(client.connected).toBe(true);
      const peer = await server.peer();
      const closed = new Promise<number>((resolve) => peer.once('close', (code) => resolve(code)));
      await module.close();
      expect(client.connected).toBe(false);
      expect(await closed).toBe(1000);
    } finally {
      await server.close();
    }
  });
});
