import 'reflect-metadata';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { ExecutionContext } from '@nestjs/common';
import { EtpEventName } from '../../../src/server/etp-event-name.decorator.js';

class Gateway {
  handle(@EtpEventName() event: string): string {
    return event;
  }
}

describe('@EtpEventName', () => {
  test('gives the handler the fourth argument EtpAdapter hands Nest: the event name', () => {
    const args: Record<string, { factory: (data: unknown, context: ExecutionContext) => unknown }> =
      Reflect.getMetadata(ROUTE_ARGS_METADATA, Gateway, 'handle');
    const [param] = Object.values(args);
    const context = {
      getArgByIndex: (index: number) => ['socket', 'body', 'ack', 'price.eur'][index],
    } as ExecutionContext;
    expect(param.factory(undefined, context)).toBe('price.eur');
  });
});
