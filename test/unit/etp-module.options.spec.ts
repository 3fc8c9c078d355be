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
});
