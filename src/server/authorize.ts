import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplicationContext, Logger, Type } from '@nestjs/common';
import { escapeLogText, peerReports } from '../protocol/log-limit.js';
import { refuseHandshake } from './upgrade-router.js';

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

export const DEFAULT_AUTHORIZE_TIMEOUT = 10_000;

/** Refusal statuses of a handshake whose authorizer failed, or took too long. */
const AUTHORIZER_FAILED = 500;
const AUTHORIZER_TIMED_OUT = 503;
const UNAUTHORIZED = 401;

/** What happened to a handshake: `auth` when it may go on, otherwise it was answered. */
export type Authorization = { readonly accepted: true; readonly auth: unknown } | undefined;

/**
 * Runs a gateway's `authorize` for each handshake: a function, or a class found in (or made
 * by) the application's container on the first handshake, so that its providers are ready.
 */
export class HandshakeAuthorizer {
  private resolved: Promise<EtpAuthorizeFunction> | undefined;

  constructor(
    private readonly option: EtpAuthorize,
    private readonly app: unknown,
    private readonly timeout: number,
    private readonly logger: Logger,
  ) {
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new Error(`authorizeTimeout must be a positive number of ms, got ${String(timeout)}`);
    }
  }

  /**
   * Resolves with the handshake's `auth` when it may be upgraded; otherwise it has been
   * refused with an HTTP status, or the peer went away meanwhile, and resolves `undefined`.
   */
  async check(request: IncomingMessage, stream: Duplex): Promise<Authorization> {
    // Nothing is read while the decision is pending (ws resumes the stream), and a peer that
    // resets it meanwhile must not become an uncaught error.
    stream.pause();
    const onError = (): void => {
      stream.destroy();
    };
    stream.on('error', onError);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let outcome: { auth: unknown } | { status: number };
    try {
      const authorize = await (this.resolved ??= this.resolve());
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new AuthorizeTimeout()), this.timeout);
      });
      const auth = await Promise.race([authorize(request), timedOut]);
      outcome = auth === false ? { status: UNAUTHORIZED } : { auth };
    } catch (error) {
      outcome = { status: this.statusOf(error, request) };
    } finally {
      clearTimeout(timer);
      stream.off('error', onError);
    }
    if (stream.destroyed || !stream.writable) {
      stream.destroy();
      return undefined;
    }
    if ('status' in outcome) {
      refuseHandshake(stream, outcome.status, STATUS_CODES[outcome.status] ?? 'Refused');
      return undefined;
    }
    return { accepted: true, auth: outcome.auth };
  }

  private statusOf(error: unknown, request: IncomingMessage): number {
    const status = (error as { getStatus?: () => unknown } | null)?.getStatus?.();
    if (typeof status === 'number' && status >= 400 && status <= 599) return status;
    if (peerReports.allow(request, this.logger)) {
      if (error instanceof AuthorizeTimeout) {
        this.logger.warn(`Refused a handshake: authorize took more than ${this.timeout} ms`);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        // The message may carry what the peer sent (its token): escaped in the stack too.
        this.logger.error(
          `Refused a handshake: authorize threw ${escapeLogText(message)}`,
          error instanceof Error
            ? error.stack?.replace(message, escapeLogText(message))
            : undefined,
        );
      }
    }
    return error instanceof AuthorizeTimeout ? AUTHORIZER_TIMED_OUT : AUTHORIZER_FAILED;
  }

  private async resolve(): Promise<EtpAuthorizeFunction> {
    const option = this.option;
    if (!isAuthorizerClass(option)) return option;
    const instance = await instantiate(option, this.app);
    return (request) => instance.authorize(request);
  }
}

class AuthorizeTimeout extends Error {}

function isAuthorizerClass(option: EtpAuthorize): option is Type<EtpAuthorizer> {
  return (
    typeof (option as { prototype?: Partial<EtpAuthorizer> }).prototype?.authorize === 'function'
  );
}

/**
 * The registered provider when there is one; else a new instance whose constructor gets the
 * application's providers (by type, or by the token of `@Inject(token)`), from any module.
 */
async function instantiate(type: Type<EtpAuthorizer>, app: unknown): Promise<EtpAuthorizer> {
  const context = app as Partial<INestApplicationContext> | undefined;
  if (typeof context?.get !== 'function') return new type();
  try {
    return context.get(type, { strict: false });
  } catch {
    const metadata = Reflect as unknown as {
      getMetadata?: (key: string, target: object) => unknown;
    };
    const types = [...((metadata.getMetadata?.(PARAM_TYPES, type) as unknown[]) ?? [])];
    const declared = (metadata.getMetadata?.(SELF_DECLARED, type) ?? []) as Array<{
      index: number;
      param: unknown;
    }>;
    for (const { index, param } of declared) types[index] = param;
    const get = context.get.bind(context) as (token: unknown, options: object) => unknown;
    return new type(...types.map((token) => get(token, { strict: false })));
  }
}

// What TypeScript records of constructor parameters, and what Nest's @Inject(token) records.
const PARAM_TYPES = 'design:paramtypes';
const SELF_DECLARED = 'self:paramtypes';
