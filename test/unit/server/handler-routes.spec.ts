import type { WsMessageHandler } from '@nestjs/common';
import type { EtpSocket } from '../../../src/server/etp-socket.js';
import { ETP_UNKNOWN_EVENT, HandlerRoutes } from '../../../src/server/handler-routes.js';

const handler = (message: string, manual = false): WsMessageHandler => ({
  message,
  callback: () => Promise.resolve(),
  isAckHandledManually: manual,
});

const newSocket = () => ({ handlers: [] }) as unknown as EtpSocket;

describe('HandlerRoutes', () => {
  test('routes each event to its gateway slot and index; the first gateway keeps an event', () => {
    const routes = new HandlerRoutes();
    const socket = newSocket();
    const first = [handler('a'), handler('b', true)];
    const second = [handler('b'), handler(ETP_UNKNOWN_EVENT)];
    routes.bind(socket, first);
    routes.bind(socket, second);
    expect(socket.handlers).toEqual([first, second]);
    expect(routes.byEvent.get('a')).toEqual({
      slot: 0,
      index: 0,
      ackEvent: '__ack_a',
      manualAck: false,
    });
    expect(routes.byEvent.get('b')).toMatchObject({ slot: 0, index: 1, manualAck: true });
    expect(routes.unknown).toMatchObject({ slot: 1, index: 1 });
    expect(routes.byEvent.has(ETP_UNKNOWN_EVENT)).toBe(false);
  });

  test('later sockets only keep their lists, each of them its own', () => {
    const routes = new HandlerRoutes();
    const one = newSocket();
    const other = newSocket();
    routes.bind(one, [handler('a')]);
    const later = [handler('ignored')];
    routes.bind(other, later);
    expect(other.handlers).toEqual([later]);
    expect(one.handlers).not.toBe(other.handlers);
    expect([...routes.byEvent.keys()]).toEqual(['a']);
  });
});
