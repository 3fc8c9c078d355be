import 'reflect-metadata';
import { EtpConfigurableModule, ETP_MODULE_OPTIONS } from '../../src/etp-module.options.js';

describe('EtpModule options', () => {
  test('forRoot provides its options under ETP_MODULE_OPTIONS, and is global unless told', () => {
    const definition = EtpConfigurableModule.forRoot({ maxRoomsPerSocket: 3 });
    expect(definition.global).toBe(true);
    expect(definition.providers).toContainEqual(
      expect.objectContaining({ provide: ETP_MODULE_OPTIONS, useValue: { maxRoomsPerSocket: 3 } }),
    );
  });

  test('a forRootAsync class gives its options through createEtpOptions', async () => {
    class Options {
      createEtpOptions() {
        return { maxRoomsPerSocket: 4 };
      }
    }
    const definition = EtpConfigurableModule.forRootAsync({ useClass: Options });
    const factory = definition.providers?.find(
      (provider) => (provider as { provide?: unknown }).provide === ETP_MODULE_OPTIONS,
    ) as { useFactory: (instance: Options) => unknown };
    await expect(factory.useFactory(new Options())).resolves.toEqual({ maxRoomsPerSocket: 4 });
  });

  test('isGlobal is a registration setting: it makes the module local and stays out of the options', () => {
    const definition = EtpConfigurableModule.forRoot({ isGlobal: false, maxRoomsPerSocket: 3 });
    expect(definition.global).toBe(false);
    const options = definition.providers?.find(
      (provider) => (provider as { provide?: unknown }).provide === ETP_MODULE_OPTIONS,
    ) as { useValue: unknown };
    expect(options.useValue).toEqual({ maxRoomsPerSocket: 3 });
  });

  test('a forRootAsync factory gets what it injects, and its imports are the module’s', () => {
    class ConfigModule {}
    const useFactory = (rooms: number) => ({ maxRoomsPerSocket: rooms });
    const definition = EtpConfigurableModule.forRootAsync({
      imports: [ConfigModule],
      inject: ['ROOMS'],
      useFactory,
    });
    expect(definition.imports).toContain(ConfigModule);
    expect(definition.providers).toContainEqual(
      expect.objectContaining({ provide: ETP_MODULE_OPTIONS, inject: ['ROOMS'] }),
    );
  });
});
