import {
  PAUSED_FOR_BACKLOG,
  PAUSED_FOR_BUDGET,
  ReadPause,
} from '../../../src/server/read-pause.js';

/** What ReadPause uses of a ws WebSocket, counting the calls. */
class FakeSocket {
  isPaused = false;
  pauses = 0;
  resumes = 0;

  pause(): void {
    this.isPaused = true;
    this.pauses++;
  }

  resume(): void {
    this.isPaused = false;
    this.resumes++;
  }
}

describe('ReadPause', () => {
  test('reading resumes only once every reason to stop it is gone, in either order', () => {
    for (const [first, second] of [
      [PAUSED_FOR_BACKLOG, PAUSED_FOR_BUDGET],
      [PAUSED_FOR_BUDGET, PAUSED_FOR_BACKLOG],
    ]) {
      const ws = new FakeSocket();
      const reading = new ReadPause(ws);
      reading.pauseFor(PAUSED_FOR_BACKLOG);
      reading.pauseFor(PAUSED_FOR_BUDGET);
      expect([ws.isPaused, ws.pauses]).toEqual([true, 1]);
      reading.resumeFrom(first);
      expect([ws.isPaused, reading.isPausedFor(first), reading.isPausedFor(second)]).toEqual([
        true,
        false,
        true,
      ]);
      reading.resumeFrom(second);
      expect([ws.isPaused, ws.resumes]).toEqual([false, 1]);
    }
  });

  test('resuming from a reason that does not hold changes nothing', () => {
    const ws = new FakeSocket();
    const reading = new ReadPause(ws);
    reading.pauseFor(PAUSED_FOR_BACKLOG);
    reading.resumeFrom(PAUSED_FOR_BUDGET);
    expect([ws.isPaused, ws.resumes]).toEqual([true, 0]);
  });

  test('once closing, reading goes on whatever held it, and nothing stops it again', () => {
    const ws = new FakeSocket();
    const reading = new ReadPause(ws);
    reading.pauseFor(PAUSED_FOR_BUDGET);
    reading.resumeForClose();
    expect(ws.isPaused).toBe(false);
    reading.pauseFor(PAUSED_FOR_BACKLOG);
    reading.resumeFrom(PAUSED_FOR_BUDGET);
    expect([ws.isPaused, ws.pauses, ws.resumes]).toEqual([false, 1, 1]);
  });
});
