import { EtpFrameError, EtpPayloadError } from '../../../src/protocol/errors.js';
import {
  HANDLER_ANSWERS,
  isThenable,
  receiveMessage,
  type EtpReceiver,
} from '../../../src/protocol/receive.js';

type Handler = (body: unknown, event: string) => unknown;

/** A side that records every step the loop takes with it, in order. */
class RecordingReceiver implements EtpReceiver<string, Handler> {
  readonly steps: unknown[][] = [];
  readonly handlers = new Map<string, Handler>();

  settleAck(peer: string, ackId: number, data: Uint8Array | null): void {
    this.steps.push(['settle', peer, ackId, data === null ? null : Buffer.from(data).toString()]);
  }

  routeOf(_peer: string, event: string): Handler | undefined {
    return this.handlers.get(event);
  }

  decode(_peer: string, data: Uint8Array | null): unknown {
    const text = data === null ? '' : Buffer.from(data).toString();
    if (text === 'bad') throw new Error('refused');
    return text;
  }

  call(peer: string, handler: Handler, event: string, body: unknown, ackId: number): unknown {
    this.steps.push(['call', peer, event, body, ackId]);
    return handler(body, event);
  }

  answer(peer: string, route: Handler | undefined, event: string, ackId: number, value: unknown) {
    this.steps.push([
      'answer',
      peer,
      route === undefined ? 'no route' : 'route',
      event,
      ackId,
      value,
    ]);
  }

  malformed(peer: string, error: EtpFrameError | EtpPayloadError): void {
    this.steps.push(['malformed', peer, error.name]);
  }

  unknownEvent(peer: string, event: string): void {
    this.steps.push(['unknown', peer, event]);
  }

  handlerFailed(peer: string, event: string, error: unknown): void {
    this.steps.push(['failed', peer, event, (error as Error).message]);
  }
}

function receive(receiver: RecordingReceiver, frame: string): void {
  receiveMessage(receiver, 'peer', Buffer.from(frame));
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('receiveMessage', () => {
  test('calls the handler, then answers a request with its value', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('echo', (body) => `got ${String(body)}`);
    receive(receiver, 'echo||7||hi');
    expect(receiver.steps).toEqual([
      ['call', 'peer', 'echo', 'hi', 7],
      ['answer', 'peer', 'route', 'echo', 7, 'got hi'],
    ]);
  });

  test('an event without an ack id is answered only when its outcome is an object', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('text', () => 'plain');
    receiver.handlers.set('object', () => ({ event: 'x', data: 1 }));
    receive(receiver, 'text||0||a');
    receive(receiver, 'object||0||a');
    expect(receiver.steps.filter(([step]) => step === 'answer')).toEqual([
      ['answer', 'peer', 'route', 'object', 0, { event: 'x', data: 1 }],
    ]);
  });

  test('settles an answer to a request of its own, without routing it', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('__ack_x', () => 'never');
    receive(receiver, '__ack_x||3||"yes"');
    expect(receiver.steps).toEqual([['settle', 'peer', 3, '"yes"']]);
  });

  test('reports a message that is not a frame, and answers nothing', () => {
    const receiver = new RecordingReceiver();
    receive(receiver, 'no delimiter');
    expect(receiver.steps).toEqual([['malformed', 'peer', 'EtpFrameError']]);
  });

  test('an unknown event is reported, and a request for it gets the empty answer', () => {
    const receiver = new RecordingReceiver();
    receive(receiver, 'nobody||0||x');
    receive(receiver, 'nobody||4||x');
    expect(receiver.steps).toEqual([
      ['unknown', 'peer', 'nobody'],
      ['unknown', 'peer', 'nobody'],
      ['answer', 'peer', 'no route', 'nobody', 4, undefined],
    ]);
  });

  test('data the codec refuses is a payload error, and the handler is not called', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('echo', () => 'never');
    receive(receiver, 'echo||5||bad');
    expect(receiver.steps).toEqual([
      ['malformed', 'peer', 'EtpPayloadError'],
      ['answer', 'peer', 'route', 'echo', 5, undefined],
    ]);
  });

  test('a handler that throws is reported, and a waiting peer gets the empty answer', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('boom', () => {
      throw new Error('at once');
    });
    receive(receiver, 'boom||6||x');
    expect(receiver.steps.slice(1)).toEqual([
      ['failed', 'peer', 'boom', 'at once'],
      ['answer', 'peer', 'route', 'boom', 6, undefined],
    ]);
  });

  test('a promise answers when it resolves; a rejected one is a failure', async () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('later', async (body) => `later ${String(body)}`);
    receiver.handlers.set('reject', () => Promise.reject(new Error('no')));
    receive(receiver, 'later||1||a');
    receive(receiver, 'reject||2||b');
    expect(receiver.steps.filter(([step]) => step !== 'call')).toEqual([]);
    await settle();
    expect(receiver.steps.filter(([step]) => step !== 'call')).toEqual([
      ['answer', 'peer', 'route', 'later', 1, 'later a'],
      ['failed', 'peer', 'reject', 'no'],
      ['answer', 'peer', 'route', 'reject', 2, undefined],
    ]);
  });

  test('a thenable that is not a Promise is waited for like one', async () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('thenable', () => ({
      then: (resolve: (value: unknown) => void) => resolve('done'),
    }));
    receive(receiver, 'thenable||8||a');
    await settle();
    expect(receiver.steps.at(-1)).toEqual(['answer', 'peer', 'route', 'thenable', 8, 'done']);
  });

  test('a handler that answers by itself gets no answer from the loop', () => {
    const receiver = new RecordingReceiver();
    receiver.handlers.set('manual', () => HANDLER_ANSWERS);
    receive(receiver, 'manual||9||a');
    expect(receiver.steps).toEqual([['call', 'peer', 'manual', 'a', 9]]);
  });

  test('a slow handler holds back no later message', async () => {
    const receiver = new RecordingReceiver();
    let finish: (value: unknown) => void = () => undefined;
    receiver.handlers.set('slow', () => new Promise((resolve) => (finish = resolve)));
    receiver.handlers.set('fast', () => 'fast');
    receive(receiver, 'slow||1||a');
    receive(receiver, 'fast||2||b');
    expect(receiver.steps.at(-1)).toEqual(['answer', 'peer', 'route', 'fast', 2, 'fast']);
    finish('slow');
    await settle();
    expect(receiver.steps.at(-1)).toEqual(['answer', 'peer', 'route', 'slow', 1, 'slow']);
  });
});

describe('receiveMessage with a side whose reports throw', () => {
  /** A side whose logger is broken: every report throws, and so does a later answer. */
  class BrokenReports extends RecordingReceiver {
    override malformed(): void {
      throw new Error('the log is broken');
    }

    override unknownEvent(): void {
      throw new Error('the log is broken');
    }

    override handlerFailed(peer: string, event: string, error: unknown): void {
      super.handlerFailed(peer, event, error);
      throw new Error('the log is broken');
    }

    override answer(...args: Parameters<RecordingReceiver['answer']>): void {
      super.answer(...args);
      throw new Error('cannot write');
    }
  }

  test('nothing escapes to the caller, which is ws', () => {
    const receiver = new BrokenReports();
    expect(() => receive(receiver, 'no delimiter')).not.toThrow();
    expect(() => receive(receiver, 'nobody||3||x')).not.toThrow();
  });

  test('nothing becomes an unhandled rejection after a handler’s promise', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const receiver = new BrokenReports();
      receiver.handlers.set('later', async () => 'value');
      receiver.handlers.set('reject', () => Promise.reject(new Error('no')));
      receive(receiver, 'later||1||a');
      receive(receiver, 'reject||2||b');
      await settle();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
      // The answer that threw is reported as the handler's failure.
      expect(receiver.steps).toContainEqual(['failed', 'peer', 'later', 'cannot write']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('isThenable', () => {
  test('takes promises and objects with a then method, nothing else', () => {
    expect(isThenable(Promise.resolve())).toBe(true);
    expect(isThenable({ then: () => undefined })).toBe(true);
    expect(isThenable({ then: 1 })).toBe(false);
    expect(isThenable(null)).toBe(false);
    expect(isThenable('then')).toBe(false);
  });
});
