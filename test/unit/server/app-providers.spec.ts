import 'reflect-metadata';
import { createServer } from 'node:http';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppProviders } from '../../../src/server/app-providers.js';

@Injectable()
class Clock {}

class Unprovided {}

@Injectable()
class NeedsUnprovided {
  constructor(readonly missing: Unprovided) {}
}

@Module({ providers: [Clock] })
class ClockModule {}

describe('AppProviders', () => {
  test('is there only for a Nest application', () => {
    expect(AppProviders.of(undefined)).toBeUndefined();
    expect(AppProviders.of(createServer())).toBeUndefined();
  });

  // NestFactory wraps the context's methods so that a throw in any of them exits the process:
  // a lookup that missed through app.get would end this test run.
  test('in a context made by NestFactory, a missing provider is an answer, not an exit', async () => {
    const app = await NestFactory.createApplicationContext(ClockModule, { logger: false });
    try {
      const providers = AppProviders.of(app)!;
      expect(providers.get(Clock)).toEqual({ found: true, value: app.get(Clock) });
      expect(providers.get(Unprovided)).toMatchObject({ found: false });
      expect(providers.instantiate(Clock)).not.toBe(app.get(Clock));
      expect(() => providers.instantiate(NeedsUnprovided)).toThrow(
        "its constructor's argument 0 (Unprovided) is provided by no module",
      );
    } finally {
      await app.close();
    }
  });
});
