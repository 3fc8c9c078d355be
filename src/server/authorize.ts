import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, Type } from '@nestjs/common';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import { AppProviders } from './app-providers.js';
import { refuseHandshake } from './refuse-handshake.js';

/**
 * Decides on a handshake before any WebSocket exists. `false` (or a thrown `HttpException`)
 * refuses it; anything else is kept as `socket.auth`.
 */
export type EtpAuthorizeFunction = (request: IncomingMessage) => unknown;

/** An `@Injectable()` class that authorizes handshakes; it may inject providers (a JwtService). */
export interface EtpAuthorizer {
  /**
   * Decides on one handshake: `false` refuses (401), a thrown `HttpException` refuses with its
   * status, anything else is kept as `socket.auth`.
   */
  authorize(request: IncomingMessage): unknown;
}

/**
 * The gateway's `authorize` option: a function, or an `@Injectable()` class implementing
 * `EtpAuthorizer`.
 */
export type EtpAuthorize = EtpAuthorizeFunction | Type<EtpAuthorizer>;

const UNAUTHORIZED = 401;
/** Refusal of a handshake whose authorizer threw something that is no HTTP refusal. */
const AUTHORIZER_FAILED = 500;
/** Refusal of a handshake whose authorizer took too long, or that the shutdown cut short. */
const UNAVAILABLE = 503;

/** What stops a pending authorization; compared by identity, as a thrown value may be anything. */
const TIMED_OUT = Symbol('authorize timed out');
const SHUT_DOWN = Symbol('server shut down');

/** What happened to a handshake: `auth` when it may go on, otherwise it was answered. */
export type Authorization = { readonly auth: unknown } | undefined;

/**
 * Runs a gateway's `authorize` for each handshake. Whatever the authorizer does — throw any
 * value, reject, never settle — the handshake is answered, and nothing escapes to the process.
 */
export class HandshakeAuthorizer {
  /** How to cut short each authorization in progress, for the shutdown. */
  private readonly pending = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly authorize: EtpAuthorizeFunction,
    private readonly timeout: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves with the handshake's `auth` when it may be upgraded; otherwise it has been
   * refused with an HTTP status, or the peer went away meanwhile, and resolves `undefined`.
   * Never rejects.
   */
  async check(request: IncomingMessage, stream: Duplex): Promise<Authorization> {
    try {
      return await this.decide(request, stream);
    } catch {
      // Unreachable by design; should it happen, the peer still gets an answer.
      answer(stream, AUTHORIZER_FAILED);
      return undefined;
    }
  }

  /**
   * Answers every authorization in progress with 503 without waiting for the authorizer, and
   * every later one at once: the shutdown waits for none of them.
   */
  close(): void {
    this.closed = true;
    for (const stop of this.pending) stop();
    this.pending.clear();
  }

  private async decide(request: IncomingMessage, stream: Duplex): Promise<Authorization> {
    if (this.closed) {
      answer(stream, UNAVAILABLE);
      return undefined;
    }
    // Nothing is read while the decision is pending (ws resumes the stream), and a peer that
    // resets it meanwhile must not become an uncaught error.
    stream.pause();
    const onError = (): void => {
      stream.destroy();
    };
    stream.on('error', onError);
    let stop: () => void = () => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
      stop = () => reject(SHUT_DOWN);
      timer = setTimeout(() => reject(TIMED_OUT), this.timeout);
    });
    this.pending.add(stop);
    let outcome: { auth: unknown } | { status: number };
    try {
      const auth = await Promise.race([this.run(request), stopped]);
      outcome = auth === false ? { status: UNAUTHORIZED } : { auth };
    } catch (thrown) {
      outcome = { status: this.refusalOf(thrown, request) };
    } finally {
      clearTimeout(timer);
      this.pending.delete(stop);
      stream.off('error', onError);
    }
    if (stream.destroyed || !stream.writable) {
      stream.destroy();
      return undefined;
    }
    if ('status' in outcome) {
      answer(stream, outcome.status);
      return undefined;
    }
    return { auth: outcome.auth };
  }

  /** The authorizer's answer as a promise, even when it throws at once or returns a thenable. */
  private async run(request: IncomingMessage): Promise<unknown> {
    return this.authorize(request);
  }

  private refusalOf(thrown: unknown, request: IncomingMessage): number {
    if (thrown === SHUT_DOWN) return UNAVAILABLE;
    if (thrown === TIMED_OUT) {
      this.report(request, () => `authorize took more than ${this.timeout} ms`, 'warn');
      return UNAVAILABLE;
    }
    const status = refusalStatusOf(thrown);
    if (status === undefined) {
      this.report(request, () => describeThrown(thrown), 'error');
      return AUTHORIZER_FAILED;
    }
    return status;
  }

  /** One line, under the rate limit of peers' reports; a logger that throws is left alone. */
  private report(
    request: IncomingMessage,
    line: () => string | { text: string; trace?: string },
    level: 'warn' | 'error',
  ): void {
    try {
      if (!peerReports.allow(request, this.logger)) return;
      const made = line();
      const { text, trace } = typeof made === 'string' ? { text: made, trace: undefined } : made;
      if (level === 'warn') this.logger.warn(`Refused a handshake: ${text}`);
      else this.logger.error(`Refused a handshake: authorize threw ${text}`, trace);
    } catch {
      // The log is no reason to fail a refusal.
    }
  }
}

/** Refuses a handshake with `status`, whatever state its stream is in. */
function answer(stream: Duplex, status: number): void {
  try {
    refuseHandshake(stream, status, STATUS_CODES[status] ?? 'Refused');
  } catch {
    stream.destroy();
  }
}

/**
 * The HTTP status of a thrown value that refuses a handshake on purpose: what `getStatus()` of
 * an `HttpException` (or anything shaped like one) returns, when it is a 4xx or 5xx status.
 * `undefined` for anything else, whatever the value does when looked at.
 */
export function refusalStatusOf(thrown: unknown): number | undefined {
  try {
    if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null) {
      return undefined;
    }
    const getStatus = (thrown as { getStatus?: unknown }).getStatus;
    if (typeof getStatus !== 'function') return undefined;
    const status: unknown = getStatus.call(thrown);
    return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
      ? status
      : undefined;
  } catch {
    return undefined;
  }
}

/** How many lines of a thrown error's stack go to the log. */
const MAX_STACK_FRAMES = 20;

/**
 * A thrown value as one log line, escaped (it may carry what the peer sent: its token), and the
 * stack frames of an `Error`. Never throws, whatever the value's getters, traps or `toString`.
 */
export function describeThrown(thrown: unknown): { text: string; trace?: string } {
  try {
    if (thrown instanceof Error) {
      const message: unknown = thrown.message;
      const name: unknown = thrown.name;
      const text =
        typeof message === 'string'
          ? escapeLogText(message)
          : `an error (${typeof name === 'string' ? escapeLogText(name, 100) : 'Error'}) whose message is ${kindOf(message)}`;
      return { text, trace: framesOf(thrown) };
    }
    if (typeof thrown === 'string') return { text: escapeLogText(thrown) };
    if (typeof thrown === 'object' || typeof thrown === 'function') {
      return { text: thrown === null ? 'null' : kindOf(thrown) };
    }
    // undefined, a number, a boolean, a bigint, a symbol: String() describes them all safely.
    return { text: escapeLogText(String(thrown)) };
  } catch {
    return { text: `${kindOf(thrown)} that cannot be looked at` };
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** The `at …` lines of an error's stack: its first lines repeat the message, already escaped. */
function framesOf(error: Error): string | undefined {
  try {
    const stack: unknown = error.stack;
    if (typeof stack !== 'string') return undefined;
    const frames = stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .slice(0, MAX_STACK_FRAMES)
      .map((line) => escapeLogText(line));
    return frames.length === 0 ? undefined : frames.join('\n');
  } catch {
    return undefined;
  }
}

/**
 * The gateway's `authorize` as a function, settled at bootstrap: a class is taken from the
 * application's container when a module provides it, and otherwise made once with the providers
 * its constructor injects. One that cannot be made fails the bootstrap, never a handshake.
 */
export function resolveAuthorize(
  option: unknown,
  app: unknown,
  gateway: string,
): EtpAuthorizeFunction {
  // A class without an authorize method would fail every handshake: it fails the bootstrap.
  if (typeof option !== 'function' || (isClass(option) && !isAuthorizerClass(option))) {
    throw new Error(
      `The authorize option of the gateway on ${gateway} must be a function or an ` +
        `@Injectable() class with an authorize(request) method, got ${
          typeof option === 'function' ? `the class ${option.name}` : kindOf(option)
        }`,
    );
  }
  if (!isAuthorizerClass(option)) return option as EtpAuthorizeFunction;
  const instance = instantiate(option, app, gateway);
  return (request) => instance.authorize(request);
}

function isClass(option: object): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(option));
}

function isAuthorizerClass(option: object): option is Type<EtpAuthorizer> {
  return (
    typeof (option as { prototype?: Partial<EtpAuthorizer> }).prototype?.authorize === 'function'
  );
}

function instantiate(type: Type<EtpAuthorizer>, app: unknown, gateway: string): EtpAuthorizer {
  const providers = AppProviders.of(app);
  if (providers !== undefined) {
    const provided = providers.get(type);
    if (provided.found) return provided.value as EtpAuthorizer;
  }
  try {
    if (providers !== undefined) return providers.instantiate(type);
    if (type.length > 0) {
      throw new Error('its constructor takes arguments, and EtpAdapter was given no application');
    }
    return new type();
  } catch (error) {
    throw new Error(
      `The authorizer ${type.name} of the gateway on ${gateway} cannot be made: ` +
        `${describeThrown(error).text}. Add it, and what it injects, to a module's providers`,
      { cause: error },
    );
  }
}
