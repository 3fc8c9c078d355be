import type { IncomingMessage } from 'node:http';
import type { EtpOrigin } from './options.js';

/**
 * The reference's handshake rule: no `Origin` (a Go or Node client) or an origin on the request's
 * own host is accepted; another origin only when the gateway allows it. A string or RegExp is
 * matched against the whole origin (`https://app.example.com`) and a string also against its host.
 */
export function isOriginAllowed(request: IncomingMessage, allowed: EtpOrigin | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = hostOf(origin);
  if (host !== undefined && host === request.headers.host?.toLowerCase()) return true;
  return matches(origin, host, allowed);
}

function matches(
  origin: string,
  host: string | undefined,
  allowed: EtpOrigin | undefined,
): boolean {
  if (allowed === undefined || allowed === false) return false;
  if (allowed === true || allowed === '*') return true;
  if (typeof allowed === 'function') return allowed(origin);
  if (typeof allowed === 'string') return allowed === origin || allowed === host;
  if (allowed instanceof RegExp) return allowed.test(origin);
  return allowed.some((one) => matches(origin, host, one));
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
