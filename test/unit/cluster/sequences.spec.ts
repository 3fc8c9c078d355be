import { Sequences } from '../../../src/cluster/sequences.js';

describe('Sequences', () => {
  test('count the broadcasts of a sender skipped between two heard', () => {
    const sequences = new Sequences(true);
    expect(sequences.take('a', 5)).toBe(0); // the first heard: nothing known before
    expect(sequences.take('a', 6)).toBe(0);
    expect(sequences.take('a', 10)).toBe(3);
    expect(sequences.take('b', 1)).toBe(0);
  });

  test('without a signature, start the count again on a number behind, never refuse it', () => {
    const sequences = new Sequences(false);
    sequences.take('a', 1_000_000); // made up, in a's name
    expect(sequences.take('a', 7)).toBe(0);
    expect(sequences.take('a', 9)).toBe(1);
  });

  test('signed, find a copy or an older number replayed', () => {
    const sequences = new Sequences(true);
    sequences.take('a', 5);
    expect(sequences.take('a', 5)).toBe(-1);
    expect(sequences.take('a', 2)).toBe(-1);
  });

  test('keep at most their maximum of senders, the longest silent one leaving first', () => {
    const sequences = new Sequences(true, 2);
    sequences.take('a', 1);
    sequences.take('b', 1);
    sequences.take('a', 2);
    sequences.take('c', 1); // b leaves
    expect(sequences.take('a', 3)).toBe(0);
    expect(sequences.take('b', 9)).toBe(0); // b starts afresh
  });
});
