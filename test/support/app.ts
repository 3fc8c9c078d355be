import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { EtpAdapter } from '../../src/index.js';

export interface TestApp {
  app: INestApplication;
  port: number;
}

/** Boots a real Nest app with EtpAdapter on a random loopback port. */
export async function startApp(
  imports: unknown[],
  providers: unknown[] = [],
  options: { controllers?: unknown[]; logger?: LoggerService | false } = {},
): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    providers: providers as never[],
    controllers: (options.controllers ?? []) as never[],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: options.logger ?? false });
  app.useWebSocketAdapter(new EtpAdapter(app));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, port };
}

/** A Nest logger that keeps what it is told, for asserting on reports. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];

  log(message: unknown): void {
    this.push('log', message);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', [message, ...rest].join(' '));
  }
  warn(message: unknown): void {
    this.push('warn', message);
  }
  debug(message: unknown): void {
    this.push('debug', message);
  }
  verbose(message: unknown): void {
    this.push('verbose', message);
  }

  at(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  private push(level: string, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
}

/** Resolves once `check` holds, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
