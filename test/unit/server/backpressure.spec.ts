import { EventEmitter } from 'node:events';
import { Backpressure, type BackloggedPeer } from '../../../src/server/backpressure.js';
import { PAUSED_FOR_BACKLOG, ReadPause } from '../../../src/server/read-pause.js';

/** A TCP stream whose buffer is full or not, as the test says. */
class FakeStream extends EventEmitter {
  writableNeedDrain = false;
}

/** A connection with a backlog of `bufferedAmount` bytes, recording what is done to it. */
class FakePeer implements BackloggedPeer {
  bufferedAmount = 0;
  flushes = 0;
  droppedAsSlowConsumer = false;
  drops = 0;
  readonly stream = new FakeStream();
  readonly ws = { isPaused: false, pause: () => undefined, resume: () => undefined };
  readonly reading = new ReadPause(this.ws);

  flush(): void {
    this.flushes++;
  }

  dropAsSlowConsumer(): void {
    this.droppedAsSlowConsumer = true;
    this.drops++;
  }
}

function setup() {
  const reported: Array<{ peer: FakePeer; buffered: number }> = [];
  const backpressure = new Backpressure<FakePeer>(1000, 250, (peer, buffered) =>
    reported.push({ peer, buffered }),
  );
  const peer = new FakePeer();
  return { backpressure, peer, reported };
}

describe('Backpressure', () => {
  test('does nothing up to the pause mark', () => {
    const { backpressure, peer, reported } = setup();
    peer.bufferedAmount = 250;
    peer.stream.writableNeedDrain = true;
    backpressure.afterWrite(peer);
    expect([peer.flushes, peer.reading.isPausedFor(PAUSED_FOR_BACKLOG), reported]).toEqual([
      0,
      false,
      [],
    ]);
  });

  test('past the mark, flushes, then stops reading until the stream drains', () => {
    const { backpressure, peer, reported } = setup();
    peer.bufferedAmount = 600;
    peer.stream.writableNeedDrain = true;
    backpressure.afterWrite(peer);
    expect(peer.flushes).toBe(1);
    expect(peer.reading.isPausedFor(PAUSED_FOR_BACKLOG)).toBe(true);
    backpressure.afterWrite(peer);
    expect(peer.stream.listenerCount('drain')).toBe(1);
    peer.stream.emit('drain');
    expect(peer.reading.isPausedFor(PAUSED_FOR_BACKLOG)).toBe(false);
    expect(reported).toEqual([]);
  });

  test('past the mark with a stream that took everything, there is no drain to wait for', () => {
    const { backpressure, peer } = setup();
    peer.bufferedAmount = 600;
    backpressure.afterWrite(peer);
    expect(peer.reading.isPausedFor(PAUSED_FOR_BACKLOG)).toBe(false);
  });

  test('past maxBufferedBytes, reports and drops the peer once', () => {
    const { backpressure, peer, reported } = setup();
    peer.bufferedAmount = 1001;
    backpressure.afterWrite(peer);
    backpressure.afterWrite(peer);
    expect(reported).toEqual([{ peer, buffered: 1001 }]);
    expect(peer.drops).toBe(1);
  });
});
