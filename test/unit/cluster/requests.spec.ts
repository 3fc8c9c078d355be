import { EtpAckTimeoutError } from '../../../src/index.js';
import { Reply } from '../../../src/cluster/messages.js';
import { AckRequest, GatherRequest } from '../../../src/cluster/requests.js';
import { AckCollector } from '../../../src/rooms/ack-collector.js';

const reply = (from: string, kind: number, value?: unknown) =>
  ({ request: 1, from, kind, value }) as Parameters<AckRequest['reply']>[0];

describe('the requests of one instance to the others', () => {
  it('gathers one reply per instance, and stops waiting for one that is gone', async () => {
    let finished = 0;
    const request = new GatherRequest<string>(
      'fetch',
      new Set(['b', 'c']),
      5_000,
      () => finished++,
    );
    const result = request.start();
    request.reply(reply('b', Reply.Sockets, ['b1', 'b2']));
    request.reply(reply('b', Reply.Sockets, ['again'])); // a second reply of b is ignored
    request.peerGone('c');
    await expect(result).resolves.toEqual(['b1', 'b2']);
    expect(finished).toBe(1);
  });

  it('rejects when an instance does not answer in time', async () => {
    const request = new GatherRequest('socketsJoin', new Set(['b']), 20, () => undefined);
    await expect(request.start()).rejects.toThrow(
      /1 other instance\(s\) did not answer within 20 ms/,
    );
  });

  it('collects acks: counts first, then answers; a dead instance counts for what it sent', async () => {
    const collector = new AckCollector('vote', 5_000);
    const request = new AckRequest(collector, ['b', 'c']);
    collector.expect(1); // one local member
    collector.check();
    collector.answer('local');
    request.reply(reply('b', Reply.Count, 2));
    request.reply(reply('b', Reply.Answer, 'b1'));
    request.reply(reply('c', Reply.Count, 1));
    request.reply(reply('b', Reply.Gone)); // b's second member left
    request.peerGone('c'); // c died before its member answered
    await expect(collector.promise).resolves.toEqual(['local', 'b1']);
  });

  it('rejects with the answers that came when a remote member misses the deadline', async () => {
    const collector = new AckCollector('vote', 5_000);
    const request = new AckRequest(collector, ['b']);
    collector.check();
    request.reply(reply('b', Reply.Count, 2));
    request.reply(reply('b', Reply.Answer, 'b1'));
    request.reply(reply('b', Reply.Missed));
    const error = await collector.promise.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(EtpAckTimeoutError);
    expect((error as EtpAckTimeoutError).responses).toEqual(['b1']);
  });

  it('fails with the reason an instance gave for refusing', async () => {
    const request = new GatherRequest(
      'EtpRedisBroker fetchSockets',
      new Set(['b']),
      5_000,
      () => 0,
    );
    const result = request.start();
    request.reply(reply('b', Reply.Refused, 'its reply is too long'));
    await expect(result).rejects.toThrow(
      'EtpRedisBroker fetchSockets: instance b refused it: its reply is too long',
    );
  });

  it('takes no more answers from an instance than it said it asked for', async () => {
    const collector = new AckCollector('vote', 5_000);
    const request = new AckRequest(collector, ['b']);
    collector.check();
    request.reply(reply('b', Reply.Answer, 'before the count')); // not asked yet
    request.reply(reply('b', Reply.Count, 1));
    request.reply(reply('b', Reply.Answer, 'b1'));
    request.reply(reply('b', Reply.Answer, 'one too many'));
    await expect(collector.promise).resolves.toEqual(['b1']);
  });

  it('waits for nobody on an instance that refused an emitWithAck', async () => {
    const collector = new AckCollector('vote', 5_000);
    const request = new AckRequest(collector, ['b']);
    collector.check();
    request.reply(reply('b', Reply.Refused, 'busy'));
    await expect(collector.promise).resolves.toEqual([]);
  });

  it('counted, waits for as many replies as listeners reached, its own copy included', async () => {
    const request = new GatherRequest<string>('fetch', undefined, 5_000, () => undefined);
    const result = request.start();
    let done = false;
    void result.then(() => (done = true));
    request.reply(reply('b', Reply.Sockets, ['b1'])); // before the count came
    request.reply(reply('b', Reply.Sockets, ['again'])); // once per instance
    request.echoed('self');
    await Promise.resolve();
    expect(done).toBe(false); // how many were reached is not known yet
    request.reached(3);
    await Promise.resolve();
    expect(done).toBe(false);
    request.reply(reply('c', Reply.Sockets, ['c1']));
    await expect(result).resolves.toEqual(['b1', 'c1']);
  });

  it('counted, collects acks from as many instances as reached, its own copy included', async () => {
    const collector = new AckCollector('vote', 5_000);
    const request = new AckRequest(collector, undefined);
    collector.expect(1);
    collector.check();
    collector.answer('local');
    request.echoed('self');
    request.reply(reply('b', Reply.Count, 1));
    request.reply(reply('b', Reply.Answer, 'b1'));
    request.reply(reply('x', Reply.Answer, 'forged')); // no count first: not taken in
    let done = false;
    void collector.promise.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false); // how many were reached is not known yet
    request.reached(2);
    await expect(collector.promise).resolves.toEqual(['local', 'b1']);
  });

  it('counted, stops waiting for counts that never came when told', async () => {
    const collector = new AckCollector('vote', 0);
    const request = new AckRequest(collector, undefined);
    collector.expect(0);
    collector.check();
    request.reached(2);
    request.reply(reply('b', Reply.Count, 1));
    request.reply(reply('b', Reply.Answer, 'b1'));
    request.stopCounting(); // the other one counted died before its count
    await expect(collector.promise).resolves.toEqual(['b1']);
  });
});
