import type { EtpQuery } from './client-options.js';

/** Only what identifies the server: a query string may carry credentials. */
export function describeUrl(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

/** The URL with the query parameters added (replacing any of the same name). */
export function withQuery(url: string, query: EtpQuery | undefined): string {
  if (query === undefined) return url;
  const entries = Object.entries(query).filter(([, value]) => value != null);
  if (entries.length === 0) return url;
  const parsed = new URL(url);
  for (const [key, value] of entries) parsed.searchParams.set(key, String(value));
  return parsed.toString();
}

/** A URL as a page means it: relative to the page, `http(s)` standing for `ws(s)`. */
export function resolveWsUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const resolved = new URL(url, base);
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  return resolved.toString();
}
