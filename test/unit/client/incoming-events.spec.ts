import { EtpHandlerError, EtpUnknownEventError } from '../../../src/client/errors.js';
import { IncomingEvents } from '../../../src/client/incoming-events.js';
import type { ClientTransport } from '../../../src/client/transport.js';
import { jsonCodec } from '../../../src/protocol/codec.js';
import { EtpFrameError, EtpPayloadError } from '../../../src/protocol/errors.js';
import { PendingAcks } from '../../../src/protocol/pending-acks.js';

/** A connection that records the frames written to it, as text; it may fail to write. */
class RecordingTransport {
  readonly sent: string[] = [];
  failing = false;

  send(frame: string | Uint8Array): void {
    if (this.failing) throw new Error('closing');
    this.sent.push(typeof frame === 'string' ? frame : Buffer.from(frame).toString());
  }
}

function setUp() {
  const errors: Error[] = [];
  let open: unknown;
  const acks = new PendingAcks();
  const incoming = new IncomingEvents(jsonCodec, acks, {
    isOpen: (transport) => transport === open,
    reportError: (error) => errors.push(error),
  });
  const transport = new RecordingTransport();
  const asTransport = transport as unknown as ClientTransport;
  open = asTransport;
  const receive = (frame: string, on: ClientTransport = asTransport): void =>
    incoming.handle(on, Buffer.from(frame));
  return {
    incoming,
    acks,
    errors,
    transport,
    receive,
    reopen: () => (open = new RecordingTransport()),
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('IncomingEvents', () => {
  test('answers a request with its handler value, encoded by the codec', () => {
    const { incoming, transport, receive } = setUp();
    incoming.handlers.set('sum', (body) => (body as number[]).reduce((a, b) => a + b, 0));
    receive('sum||4||[1,2,3]');
    expect(transport.sent).toEqual(['__ack_sum||4||6']);
  });

  test('sends nothing for an event without an ack id, even when its handler returns an object', () => {
    const { incoming, transport, receive } = setUp();
    const seen: unknown[] = [];
    incoming.handlers.set('tick', (body, event) => {
      seen.push(body, event);
      return { ignored: true };
    });
    receive('tick||0||{"n":1}');
    expect(seen).toEqual([{ n: 1 }, 'tick']);
    expect(transport.sent).toEqual([]);
  });

  test('settles the answer to a request of its own', async () => {
    const { acks, transport, receive } = setUp();
    const answer = acks.request('ask', { timeout: 0 }, () => undefined);
    receive('__ack_ask||1||"yes"');
    expect(Buffer.from((await answer) ?? []).toString()).toBe('"yes"');
    expect(transport.sent).toEqual([]);
  });

  test('an unknown event is an EtpUnknownEventError, and a waiting server gets null', () => {
    const { errors, transport, receive } = setUp();
    receive('nobody||2||1');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EtpUnknownEventError);
    expect(transport.sent).toEqual(['__ack_nobody||2||null']);
  });

  test('the unknown-event handler takes every event no other handler takes', () => {
    const { incoming, transport, errors, receive } = setUp();
    incoming.unknownHandler = (_body, event) => `caught ${event}`;
    receive('stray||3||1');
    expect(transport.sent).toEqual(['__ack_stray||3||"caught stray"']);
    expect(errors).toEqual([]);
  });

  test('a message that is not a frame is an EtpFrameError, and nothing is sent', () => {
    const { errors, transport, receive } = setUp();
    receive('just text');
    expect(errors[0]).toBeInstanceOf(EtpFrameError);
    expect(transport.sent).toEqual([]);
  });

  test('data the codec refuses is an EtpPayloadError; the handler is not called', () => {
    const { incoming, errors, transport, receive } = setUp();
    let called = false;
    incoming.handlers.set('echo', () => (called = true));
    receive('echo||5||{not json');
    expect(called).toBe(false);
    expect(errors[0]).toBeInstanceOf(EtpPayloadError);
    expect(transport.sent).toEqual(['__ack_echo||5||null']);
  });

  test('a handler that throws or rejects is an EtpHandlerError, and the server still gets null', async () => {
    const { incoming, errors, transport, receive } = setUp();
    incoming.handlers.set('now', () => {
      throw new Error('at once');
    });
    incoming.handlers.set('later', () => Promise.reject(new Error('later')));
    receive('now||6||1');
    receive('later||7||1');
    await settle();
    expect(errors.map((error) => [error.constructor, (error.cause as Error).message])).toEqual([
      [EtpHandlerError, 'at once'],
      [EtpHandlerError, 'later'],
    ]);
    expect(transport.sent).toEqual(['__ack_now||6||null', '__ack_later||7||null']);
  });

  test('a value the codec cannot encode is reported, and the answer goes out with no data', () => {
    const { incoming, errors, transport, receive } = setUp();
    incoming.handlers.set('big', () => 10n);
    receive('big||8||1');
    expect(errors[0]).toBeInstanceOf(EtpHandlerError);
    // Written with no data part, which the reference reads as empty data.
    expect(transport.sent).toEqual(['__ack_big||8']);
  });

  test('an answer that comes after its connection ended is dropped, not sent on the next', async () => {
    const { incoming, transport, receive, reopen } = setUp();
    let finish: (value: unknown) => void = () => undefined;
    incoming.handlers.set('slow', () => new Promise((resolve) => (finish = resolve)));
    receive('slow||9||1');
    reopen();
    finish('late');
    await settle();
    expect(transport.sent).toEqual([]);
  });

  test('a connection that fails to write while closing loses only that answer', () => {
    const { incoming, errors, transport, receive } = setUp();
    incoming.handlers.set('echo', (body) => body);
    transport.failing = true;
    expect(() => receive('echo||10||1')).not.toThrow();
    expect(errors).toEqual([]);
  });
});
