import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import {
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Module,
  Optional,
  type Logger,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  describeThrown,
  HandshakeAuthorizer,
  refusalStatusOf,
  resolveAuthorize,
  type EtpAuthorizeFunction,
} from '../../../src/server/authorize.js';
import { LOG_LINES_PER_PROCESS, PROCESS_LOG_WINDOW_MS } from '../../../src/protocol/log-limit.js';

const throwing = (): never => {
  throw Object.create(null);
};

/** A Proxy whose every trap throws: even `instanceof` or `typeof x.y` on it fails. */
const trapped = (): object =>
  new Proxy(
    {},
    {
      get: throwing,
      has: throwing,
      getPrototypeOf: throwing,
      ownKeys: throwing,
      getOwnPropertyDescriptor: throwing,
    },
  );

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

/** An Error whose message and name (so its stack too) throw when read. */
class UnreadableError extends Error {}
Object.defineProperties(UnreadableError.prototype, {
  message: { get: throwing },
  name: { get: throwing },
});
const withStatus = (getStatus: () => unknown): object =>
  Object.assign(Object.create(null) as object, { getStatus });

/** Every kind of value an authorizer may throw that is no HTTP refusal. */
const HOSTILE: ReadonlyArray<readonly [string, () => unknown]> = [
  ['null', () => null],
  ['undefined', () => undefined],
  ['a symbol', () => Symbol('hostile')],
  ['a number', () => 42],
  ['a bigint', () => 10n],
  ['a string', () => 'no'],
  ['a null-prototype object', () => Object.create(null)],
  ['a Proxy whose traps throw', trapped],
  ['a revoked Proxy', revoked],
  ['getters that throw', () => Object.defineProperty({}, 'getStatus', { get: throwing })],
  ['an Error whose message, name and stack throw', () => new UnreadableError()],
  [
    'an Error whose message is an object',
    () => Object.defineProperty(new Error('x'), 'message', { value: { toString: throwing } }),
  ],
  ['a getStatus that throws', () => withStatus(throwing)],
  ['a getStatus of 42', () => withStatus(() => 42)],
  ["a getStatus of 'abc'", () => withStatus(() => 'abc')],
  ['a getStatus of 99999', () => withStatus(() => 99_999)],
  ["a getStatus of '403'", () => withStatus(() => '403')],
  ['a getStatus of 302', () => withStatus(() => 302)],
  ['a getStatus of 403.5', () => withStatus(() => 403.5)],
  ['a getStatus of NaN', () => withStatus(() => Number.NaN)],
  ['a getStatus returning a Proxy', () => withStatus(trapped)],
  ['a function', () => () => 403],
];

describe('refusalStatusOf', () => {
  test('takes the 4xx or 5xx status of an HttpException, or of anything with getStatus()', () => {
    expect(refusalStatusOf(new ForbiddenException())).toBe(403);
    expect(refusalStatusOf(new HttpException('tea', 418))).toBe(418);
    expect(refusalStatusOf(withStatus(() => 400))).toBe(400);
    expect(refusalStatusOf(withStatus(() => 599))).toBe(599);
  });

  test.each(HOSTILE)('has no status for %s, and does not throw', (_name, make) => {
    expect(refusalStatusOf(make())).toBeUndefined();
  });

  test('an HttpException made with a status that is no refusal has none either', () => {
    expect(refusalStatusOf(new HttpException('moved', 301))).toBeUndefined();
    expect(refusalStatusOf(new HttpException('ok', 200))).toBeUndefined();
  });
});

describe('describeThrown', () => {
  test.each(HOSTILE)('describes %s in one line, and does not throw', (_name, make) => {
    const { text, trace } = describeThrown(make());
    expect(typeof text).toBe('string');
    expect(text).not.toMatch(/[\n\r]/);
    expect(trace === undefined || typeof trace === 'string').toBe(true);
  });

  test('escapes and cuts a message, and keeps only the stack frames, escaped', () => {
    const error = new Error(`token store down\nforged line ${'x'.repeat(1_000)}`);
    const { text, trace } = describeThrown(error);
    expect(text.startsWith('token store down\\nforged line')).toBe(true);
    expect(text.length).toBeLessThan(400);
    expect(trace?.split('\n').every((line) => /^\s+at /.test(line))).toBe(true);
    expect(trace).not.toContain('forged line');
  });

  test('says what it could not read', () => {
    expect(describeThrown(Object.create(null)).text).toBe('an object');
    expect(describeThrown(Symbol('s')).text).toBe('Symbol(s)');
    expect(describeThrown(null).text).toBe('null');
    expect(
      describeThrown(Object.defineProperty(new TypeError('x'), 'message', { value: 42 })).text,
    ).toBe('an error (TypeError) whose message is a number');
    expect(describeThrown(trapped()).text).toBe('an object that cannot be looked at');
  });
});

/** The stream of a handshake: records what is written to it. */
class HandshakeStream extends Duplex {
  written = '';

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.written += chunk.toString('latin1');
    done();
  }
}

/** A logger that records its lines, or throws on each when told to. */
function recordingLogger(throws = false) {
  const lines: string[] = [];
  const record = (line: unknown): void => {
    if (throws) throw Object.create(null);
    lines.push(String(line));
  };
  return { lines, logger: { warn: record, error: record } as unknown as Logger };
}

const request = {} as IncomingMessage;
const statusOf = (stream: HandshakeStream): string => stream.written.split('\r\n')[0];

describe('HandshakeAuthorizer', () => {
  const checked = async (authorize: EtpAuthorizeFunction, timeout = 1_000) => {
    const stream = new HandshakeStream();
    const { lines, logger } = recordingLogger();
    const granted = await new HandshakeAuthorizer(authorize, timeout, logger).check(
      { ...request } as IncomingMessage,
      stream,
    );
    return { granted, status: statusOf(stream), lines };
  };

  test('keeps what authorize returns, and refuses false with 401', async () => {
    expect(await checked(() => ({ user: 'a' }))).toMatchObject({
      granted: { auth: { user: 'a' } },
      status: '',
    });
    expect(await checked(async () => false)).toMatchObject({
      granted: undefined,
      status: 'HTTP/1.1 401 Unauthorized',
    });
  });

  test.each(HOSTILE)(
    'refuses with 500 when authorize throws %s, at once or in a promise',
    async (_name, make) => {
      const thrownAtOnce = await checked(() => {
        throw make();
      });
      const rejected = await checked(() => Promise.reject(make()));
      for (const outcome of [thrownAtOnce, rejected]) {
        expect(outcome).toMatchObject({
          granted: undefined,
          status: 'HTTP/1.1 500 Internal Server Error',
        });
      }
    },
  );

  test('a thenable whose then throws, or whose then cannot be read, is refused with 500', async () => {
    const thenThrows = await checked(() => ({ then: throwing }));
    const thenUnreadable = await checked(() =>
      Object.defineProperty({}, 'then', { get: throwing }),
    );
    expect(thenThrows.status).toBe('HTTP/1.1 500 Internal Server Error');
    expect(thenUnreadable.status).toBe('HTTP/1.1 500 Internal Server Error');
  });

  test('a logger that throws changes nothing to the answer', async () => {
    const stream = new HandshakeStream();
    const authorizer = new HandshakeAuthorizer(throwing, 1_000, recordingLogger(true).logger);
    expect(await authorizer.check(request, stream)).toBeUndefined();
    expect(statusOf(stream)).toBe('HTTP/1.1 500 Internal Server Error');
  });

  test('refuses with 503 past authorizeTimeout', async () => {
    const outcome = await checked(() => new Promise(() => undefined), 10);
    expect(outcome.status).toBe('HTTP/1.1 503 Service Unavailable');
  });

  test('close() answers every pending authorization 503 at once, and every later one', async () => {
    let release: (auth: unknown) => void = () => undefined;
    const answer = new Promise((resolve) => (release = resolve));
    const authorizer = new HandshakeAuthorizer(() => answer, 60_000, recordingLogger().logger);
    const streams = Array.from({ length: 3 }, () => new HandshakeStream());
    const checks = streams.map((stream) => authorizer.check(request, stream));
    authorizer.close();
    expect(await Promise.all(checks)).toEqual([undefined, undefined, undefined]);
    expect(streams.map(statusOf)).toEqual(Array(3).fill('HTTP/1.1 503 Service Unavailable'));
    release({ user: 'late' });
    const later = new HandshakeStream();
    expect(await authorizer.check(request, later)).toBeUndefined();
    expect(statusOf(later)).toBe('HTTP/1.1 503 Service Unavailable');
  });

  test(`writes at most ${LOG_LINES_PER_PROCESS} lines a second, however many throws`, async () => {
    // A window of its own: the tests above have spent this one.
    await new Promise((resolve) => setTimeout(resolve, PROCESS_LOG_WINDOW_MS));
    const { lines, logger } = recordingLogger();
    const authorizer = new HandshakeAuthorizer(throwing, 1_000, logger);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        authorizer.check({} as IncomingMessage, new HandshakeStream()),
      ),
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(LOG_LINES_PER_PROCESS);
  });
});

@Injectable()
class TokenService {}

@Injectable()
class ListedAuthorizer {
  constructor(readonly tokens: TokenService) {}
  authorize(): unknown {
    return true;
  }
}

class MissingService {}

@Injectable()
class UnlistedAuthorizer {
  constructor(
    readonly tokens: TokenService,
    @Inject('CONFIG') readonly config: { key: string },
    @Optional() readonly absent?: MissingService,
  ) {}
  authorize() {
    return `${this.config.key}, ${this.tokens instanceof TokenService}, ${this.absent}`;
  }
}

@Injectable()
class MissingDependencyAuthorizer {
  constructor(readonly missing: MissingService) {}
  authorize() {
    return true;
  }
}

class BareAuthorizer {
  authorize() {
    return 'bare';
  }
}

describe('resolveAuthorize', () => {
  @Module({
    providers: [TokenService, ListedAuthorizer, { provide: 'CONFIG', useValue: { key: 'k' } }],
  })
  class AppModule {}

  const app = () => Test.createTestingModule({ imports: [AppModule] }).compile();

  test('takes a function as it is', () => {
    const authorize = () => true;
    expect(resolveAuthorize(authorize, undefined, '/ws')).toBe(authorize);
  });

  test('refuses what is neither a function nor a class with an authorize method', () => {
    expect(() => resolveAuthorize({ authorize: () => true }, undefined, '/ws')).toThrow(
      'The authorize option of the gateway on /ws must be a function or an @Injectable() class with an authorize(request) method, got an object',
    );
    class ArrowAuthorizer {
      authorize = () => true;
    }
    expect(() => resolveAuthorize(ArrowAuthorizer, undefined, '/ws')).toThrow(
      'with an authorize(request) method, got the class ArrowAuthorizer',
    );
  });

  test('takes a listed class from the container', async () => {
    const module = await app();
    try {
      const listed = module.get(ListedAuthorizer);
      listed.authorize = () => 'the provider';
      expect(resolveAuthorize(ListedAuthorizer, module, '/ws')(request)).toBe('the provider');
    } finally {
      await module.close();
    }
  });

  test('makes an unlisted class with the providers it injects, by type and by token', async () => {
    const module = await app();
    try {
      expect(resolveAuthorize(UnlistedAuthorizer, module, '/ws')(request)).toBe(
        'k, true, undefined',
      );
    } finally {
      await module.close();
    }
  });

  test('refuses a class whose dependency no module provides, naming both', async () => {
    const module = await app();
    try {
      expect(() => resolveAuthorize(MissingDependencyAuthorizer, module, '/secure')).toThrow(
        "The authorizer MissingDependencyAuthorizer of the gateway on /secure cannot be made: its constructor's argument 0 (MissingService) is provided by no module. Add it, and what it injects, to a module's providers",
      );
    } finally {
      await module.close();
    }
  });

  test('without an application, makes a class that injects nothing and refuses one that does', () => {
    expect(resolveAuthorize(BareAuthorizer, undefined, '/ws')(request)).toBe('bare');
    expect(() => resolveAuthorize(ListedAuthorizer, undefined, '/ws')).toThrow(
      'EtpAdapter was given no application',
    );
  });
});
