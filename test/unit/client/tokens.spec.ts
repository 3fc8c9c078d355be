import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { EtpClient } from '../../../src/client/etp-client.js';
import { getEtpClientToken, InjectEtpClient } from '../../../src/client/tokens.js';

@Injectable()
class Uses {
  constructor(
    @InjectEtpClient() readonly main: EtpClient,
    @InjectEtpClient('market') readonly market: EtpClient,
  ) {}
}

describe('client tokens', () => {
  test('the default client is injected by its class, a named one by a string of its name', () => {
    expect(getEtpClientToken()).toBe(EtpClient);
    expect(getEtpClientToken('market')).toBe('EtpClient:market');
    // An empty name is still a name: it never means the default client.
    expect(getEtpClientToken('')).toBe('EtpClient:');
  });

  test('@InjectEtpClient asks Nest for the token of that name', () => {
    const injected: Array<{ index: number; param: unknown }> =
      Reflect.getMetadata('self:paramtypes', Uses) ?? [];
    expect(injected.map(({ index, param }) => [index, param]).sort()).toEqual([
      [0, EtpClient],
      [1, 'EtpClient:market'],
    ]);
  });
});
