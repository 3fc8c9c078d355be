import 'reflect-metadata';
import {
  ETP_EVENT_METADATA,
  OnEtpEvent,
  type EtpEventBinding,
} from '../../../src/client/on-etp-event.decorator.js';

class Handlers {
  @OnEtpEvent('news')
  news(): void {}

  @OnEtpEvent('price', { client: 'market' })
  @OnEtpEvent('quote')
  prices(): void {}

  plain(): void {}

  @OnEtpEvent('double')
  double(value: number): number {
    return value * 2;
  }
}

const bindingsOf = (method: object): EtpEventBinding[] | undefined =>
  Reflect.getMetadata(ETP_EVENT_METADATA, method);

describe('@OnEtpEvent', () => {
  test('records the event on the method, for the default client', () => {
    expect(bindingsOf(Handlers.prototype.news)).toEqual([{ event: 'news', client: undefined }]);
  });

  test('one method may handle several events, each on its own client', () => {
    expect(bindingsOf(Handlers.prototype.prices)).toEqual([
      { event: 'quote', client: undefined },
      { event: 'price', client: 'market' },
    ]);
  });

  test('a method without it has nothing recorded', () => {
    expect(bindingsOf(Handlers.prototype.plain)).toBeUndefined();
  });

  test('leaves the method itself as it was: still callable, on its own instance', () => {
    expect(new Handlers().double(21)).toBe(42);
    expect(bindingsOf(Handlers.prototype.double)).toEqual([{ event: 'double', client: undefined }]);
  });
});
