import { RecoveryPositions } from '../../../src/client/recovery-positions.js';
import { decodeRecoveryState } from '../../../src/protocol/recovery.js';

const ID = 'fedcba9876543210fedcba9876543210';

describe('RecoveryPositions', () => {
  it('has nothing to present at first: the handshake says 1', () => {
    const positions = new RecoveryPositions();
    expect(positions.size).toBe(0);
    expect(positions.handshakeValue()).toBe('1');
    positions.id = ID;
    expect(positions.handshakeValue()).toBe('1');
  });

  it('presents every room and the last id, as the server reads them', () => {
    const positions = new RecoveryPositions();
    positions.id = ID;
    positions.advance('chat', 'e1', 4);
    positions.advance('news', 'e2', 0);
    expect(decodeRecoveryState(positions.handshakeValue())).toEqual({
      id: ID,
      positions: [
        ['chat', 'e1', 4],
        ['news', 'e2', 0],
      ],
    });
  });

  it('drops a kept broadcast it has (same epoch, not past it), and moves to a new one', () => {
    const positions = new RecoveryPositions();
    expect(positions.accept('chat', 'e1', 5)).toBe(true);
    expect(positions.accept('chat', 'e1', 5)).toBe(false);
    expect(positions.accept('chat', 'e1', 3)).toBe(false);
    expect(positions.accept('chat', 'e1', 6)).toBe(true);
    expect(positions.get('chat')).toEqual({ epoch: 'e1', offset: 6 });
    // Another epoch: the history started over, whatever its offsets.
    expect(positions.accept('chat', 'e2', 1)).toBe(true);
    expect(positions.get('chat')).toEqual({ epoch: 'e2', offset: 1 });
  });

  it('moves a told position forward only in the same epoch, and replaces it in another', () => {
    const positions = new RecoveryPositions();
    positions.advance('chat', 'e1', 10);
    positions.advance('chat', 'e1', 7);
    expect(positions.get('chat')).toEqual({ epoch: 'e1', offset: 10 });
    positions.advance('chat', 'e1', 12);
    expect(positions.get('chat')).toEqual({ epoch: 'e1', offset: 12 });
    positions.advance('chat', 'e2', 0);
    expect(positions.get('chat')).toEqual({ epoch: 'e2', offset: 0 });
  });

  it('forgets a room left, starts over keeping the id, and clears all', () => {
    const positions = new RecoveryPositions();
    positions.id = ID;
    positions.advance('chat', 'e1', 1);
    positions.advance('news', 'e1', 1);
    positions.forget('chat');
    expect(positions.get('chat')).toBeUndefined();
    expect(positions.size).toBe(1);
    positions.startOver();
    expect(positions.size).toBe(0);
    expect(positions.id).toBe(ID);
    positions.advance('news', 'e1', 2);
    positions.clear();
    expect(positions.size).toBe(0);
    expect(positions.id).toBeUndefined();
  });

  it('keeps at most the rooms a handshake may present; past them it presents nothing', () => {
    const positions = new RecoveryPositions();
    for (let i = 0; i < 256; i++) positions.advance(`r${i}`, 'e', 1);
    expect(decodeRecoveryState(positions.handshakeValue())?.positions).toHaveLength(256);
    // A broadcast of a 257th room is still new (dispatched), but its position is not kept.
    expect(positions.accept('one too many', 'e', 1)).toBe(true);
    expect(positions.size).toBe(256);
    expect(positions.get('one too many')).toBeUndefined();
    expect(positions.handshakeValue()).toBe('1');
    // Moving within a room already kept is still fine; starting over lifts the refusal.
    expect(positions.accept('r0', 'e', 2)).toBe(true);
    positions.startOver();
    positions.advance('chat', 'e', 1);
    expect(decodeRecoveryState(positions.handshakeValue())?.positions).toEqual([['chat', 'e', 1]]);
  });

  it('presents nothing rather than a room name the server would refuse', () => {
    const positions = new RecoveryPositions();
    positions.advance('x'.repeat(1025), 'e', 1);
    expect(positions.handshakeValue()).toBe('1');
  });
});
