import type { IncomingMessage } from 'node:http';
import { isOriginAllowed } from '../../../src/server/origin.js';
import type { EtpOrigin } from '../../../src/server/options.js';

function request(origin: string | undefined, host = 'api.example.com:8080'): IncomingMessage {
  return { headers: { origin, host } } as unknown as IncomingMessage;
}

const allowed = (origin: string | undefined, rule?: EtpOrigin, host?: string): boolean =>
  isOriginAllowed(request(origin, host), rule);

describe('isOriginAllowed', () => {
  test('accepts a client that sends no Origin (Go, Node) whatever the rule', () => {
    expect(allowed(undefined, false)).toBe(true);
  });

  test("accepts the request's own host, case aside, and refuses others by default", () => {
    expect(allowed('https://API.example.com:8080')).toBe(true);
    expect(allowed('https://evil.example.com')).toBe(false);
    expect(allowed('https://api.example.com')).toBe(false);
    expect(allowed('not a url')).toBe(false);
  });

  test('true or * allow every origin; false none but the own host', () => {
    expect(allowed('https://any.test', true)).toBe(true);
    expect(allowed('https://any.test', '*')).toBe(true);
    expect(allowed('https://any.test', false)).toBe(false);
  });

  test('a string matches the whole origin or its host; a RegExp the whole origin', () => {
    expect(allowed('https://app.test', 'https://app.test')).toBe(true);
    expect(allowed('https://app.test:3000', 'app.test:3000')).toBe(true);
    expect(allowed('https://app.test', 'http://app.test')).toBe(false);
    expect(allowed('https://a.app.test', /^https:\/\/[a-z]+\.app\.test$/)).toBe(true);
    expect(allowed('https://app.test.evil', /^https:\/\/app\.test$/)).toBe(false);
  });

  test('a list allows any of its entries; a function decides by itself', () => {
    const list: EtpOrigin = ['https://one.test', /two\.test$/];
    expect(allowed('https://one.test', list)).toBe(true);
    expect(allowed('https://www.two.test', list)).toBe(true);
    expect(allowed('https://three.test', list)).toBe(false);
    expect(allowed('https://fn.test', (origin) => origin.endsWith('.test'))).toBe(true);
    expect(allowed('https://fn.example', (origin) => origin.endsWith('.test'))).toBe(false);
  });
});
