import { describeUrl, resolveWsUrl, withQuery } from '../../../src/client/url.js';

describe('the client URL helpers', () => {
  test('describeUrl keeps only what identifies the server', () => {
    expect(describeUrl('ws://host:8080/ws?token=secret#x')).toBe('ws://host:8080/ws');
    expect(describeUrl('wss://host/ws#frag')).toBe('wss://host/ws');
    expect(describeUrl('ws://host/ws')).toBe('ws://host/ws');
  });

  test('withQuery adds the parameters, replaces those of the same name and skips empty ones', () => {
    expect(withQuery('ws://host/ws?a=1&b=2', { b: 'x y', c: 3, d: null, e: undefined })).toBe(
      'ws://host/ws?a=1&b=x+y&c=3',
    );
    expect(withQuery('ws://host/ws', undefined)).toBe('ws://host/ws');
    expect(withQuery('ws://host/ws', { d: null })).toBe('ws://host/ws');
  });

  test('resolveWsUrl turns http(s) into ws(s) and resolves against the page', () => {
    expect(resolveWsUrl('http://host/ws')).toBe('ws://host/ws');
    expect(resolveWsUrl('https://host/ws')).toBe('wss://host/ws');
    expect(resolveWsUrl('ws://host/ws')).toBe('ws://host/ws');
    const global = globalThis as { location?: { href: string } };
    global.location = { href: 'https://app.example.com/chat/room' };
    try {
      expect(resolveWsUrl('/ws')).toBe('wss://app.example.com/ws');
    } finally {
      delete global.location;
    }
  });
});
