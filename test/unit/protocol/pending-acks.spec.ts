import { EtpAckTimeoutError, EtpConnectionClosedError } from '../../../src/index.js';
import { PendingAcks } from '../../../src/protocol/pending-acks.js';

const b = (text: string): Buffer => Buffer.from(text);

describe('PendingAcks', () => {
  it('numbers requests 1, 2, 3 and settles each by its id', async () => {
    const acks = new PendingAcks();
    const sent: number[] = [];
    const first = acks.request('a', undefined, (id) => sent.push(id));
    const second = acks.request('b', undefined, (id) => sent.push(id));
    expect(sent).toEqual([1, 2]);
    expect(acks.settle(2, b('two'))).toBe(true);
    expect(acks.settle(1, null)).toBe(true);
    expect((await second)?.toString()).toBe('two');
    expect(await first).toBeNull();
    expect(acks.size).toBe(0);
  });

  it('drops an answer that matches nothing', () => {
    expect(new PendingAcks().settle(99, null)).toBe(false);
  });

  it('times out with a clear error and forgets the request', async () => {
    const acks = new PendingAcks();
    const request = acks.request('slow', { timeout: 20 }, () => undefined);
    await expect(request).rejects.toThrow(new EtpAckTimeoutError('slow', 20));
    expect(acks.size).toBe(0);
    expect(acks.settle(1, null)).toBe(false);
  });

  it('rejects with the abort reason and forgets the request', async () => {
    const acks = new PendingAcks();
    const controller = new AbortController();
    const request = acks.request('a', { signal: controller.signal, timeout: 0 }, () => undefined);
    controller.abort(new Error('not needed any more'));
    await expect(request).rejects.toThrow('not needed any more');
    expect(acks.size).toBe(0);
  });

  it('rejects at once for a signal already aborted, sending nothing', async () => {
    const acks = new PendingAcks();
    let sends = 0;
    const request = acks.request('a', { signal: AbortSignal.abort() }, () => sends++);
    await expect(request).rejects.toBeDefined();
    expect(sends).toBe(0);
  });

  it('rejects everything pending when the connection goes', async () => {
    const acks = new PendingAcks();
    const requests = [1, 2, 3].map(() => acks.request('e', { timeout: 0 }, () => undefined));
    acks.rejectAll('client closed');
    for (const request of requests) {
      await expect(request).rejects.toThrow(EtpConnectionClosedError);
    }
    await expect(requests[0]).rejects.toThrow('Event "e" failed: client closed');
    expect(acks.size).toBe(0);
  });

  it('fails the request when writing the frame throws', async () => {
    const acks = new PendingAcks();
    const request = acks.request('a', undefined, () => {
      throw new Error('socket gone');
    });
    await expect(request).rejects.toThrow('socket gone');
    expect(acks.size).toBe(0);
  });
});
