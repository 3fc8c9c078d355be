import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  EtpClient,
  EtpInMemoryBroker,
  EtpModule,
  EtpRoomsService,
  getEtpClientToken,
  type EtpBroadcastTarget,
  type EtpModuleOptions,
  type EtpOptionsFactory,
} from '../../../src/index.js';

/** An in-memory broker that records what it is handed and when it starts and stops. */
class RecordingBroker extends EtpInMemoryBroker {
  readonly calls: string[] = [];

  override async init(): Promise<void> {
    this.calls.push('init');
  }

  override publish(target: EtpBroadcastTarget, event: string, data: unknown): void {
    this.calls.push(`emit ${event} to ${target.rooms?.join(',')}`);
    super.publish(target, event, data);
  }

  override async close(): Promise<void> {
    this.calls.push('close');
  }
}

@Injectable()
class Settings {
  readonly broker = new RecordingBroker();
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class OptionsFromClass implements EtpOptionsFactory {
  constructor(private readonly settings: Settings) {}

  createEtpOptions(): EtpModuleOptions {
    return { broker: this.settings.broker, clients: { billing: { url: 'ws://127.0.0.1:1/ws' } } };
  }
}

/** A feature module that does not import EtpModule. */
@Injectable()
class Feature {
  constructor(readonly rooms: EtpRoomsService) {}
}

@Module({ providers: [Feature] })
class FeatureModule {}

async function boot(imports: unknown[]) {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('EtpModule', () => {
  it('is global by default: a module that does not import it gets the rooms', async () => {
    const app = await boot([EtpModule.forRoot(), FeatureModule]);
    expect(app.get(Feature).rooms).toBe(app.get(EtpRoomsService));
    expect(app.get(EtpClient)).toBeInstanceOf(EtpClient);
    await app.close();
  });

  it('is not global with isGlobal: false', async () => {
    await expect(boot([EtpModule.forRoot({ isGlobal: false }), FeatureModule])).rejects.toThrow(
      /EtpRoomsService/,
    );
  });

  it('hands the broker every broadcast, starts it with the app and closes it with the app', async () => {
    const broker = new RecordingBroker();
    const app = await boot([EtpModule.forRoot({ broker })]);
    app.get(EtpRoomsService).to('lobby').emit('news');
    await app.close();
    expect(broker.calls).toEqual(['init', 'emit news to lobby', 'close']);
  });

  it('takes its options from a factory', async () => {
    const app = await boot([
      EtpModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (settings: Settings) => ({ broker: settings.broker }),
      }),
    ]);
    app.get(EtpRoomsService).emit('hello');
    expect(app.get(Settings).broker.calls).toEqual(['init', 'emit hello to undefined']);
    await app.close();
  });

  it('takes its options from a class (useClass), named clients included', async () => {
    const app = await boot([
      EtpModule.forRootAsync({
        imports: [SettingsModule],
        useClass: OptionsFromClass,
        clients: ['billing'],
      }),
    ]);
    expect(app.get(getEtpClientToken('billing'))).toBeInstanceOf(EtpClient);
    app.get(EtpRoomsService).to('a').emit('x');
    expect(app.get(Settings).broker.calls).toEqual(['init', 'emit x to a']);
    await app.close();
  });

  it('takes its options from an existing provider (useExisting)', async () => {
    @Module({ providers: [Settings, OptionsFromClass], exports: [OptionsFromClass] })
    class OptionsModule {}
    const app = await boot([
      EtpModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFromClass }),
    ]);
    app.get(EtpRoomsService).to('b').emit('y');
    expect(app.get(Settings, { strict: false }).broker.calls).toEqual(['init', 'emit y to b']);
    await app.close();
  });
});
