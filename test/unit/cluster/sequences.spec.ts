import { ChannelSequences, Numbering, Sequences } from '../../../src/cluster/sequences.js';

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

describe('Sequences with a number per channel', () => {
  test('count a gap by the channel’s numbers, not by the sender-wide one', () => {
    const sequences = new Sequences(true);
    expect(sequences.take('a', 10, 1)).toBe(0);
    expect(sequences.take('a', 25, 2)).toBe(0); // other channels took 11…24
    expect(sequences.take('a', 30, 5)).toBe(2);
    expect(sequences.take('a', 31, 1)).toBe(0); // the sender forgot this channel's count
    expect(sequences.take('a', 31, 2)).toBe(-1); // its sender-wide number seen already
  });
});

describe('ChannelSequences', () => {
  test('keep each channel apart, and forget one no longer listened on', () => {
    const sequences = new ChannelSequences(true);
    sequences.take('x', 'a', 1, 1);
    expect(sequences.take('y', 'a', 2, 1)).toBe(0);
    expect(sequences.take('x', 'a', 5, 3)).toBe(1);
    sequences.forgetChannel('x');
    expect(sequences.take('x', 'a', 9, 7)).toBe(0);
    // What a sender was heard at stays, even after it was taken for gone: a copy is refused.
    expect(sequences.take('y', 'a', 1, 1)).toBe(-1);
  });

  test('keep at most their maximum of channels, the longest silent one leaving first', () => {
    const sequences = new ChannelSequences(true, 2);
    sequences.take('x', 'a', 1, 1);
    sequences.take('y', 'a', 2, 1);
    sequences.take('x', 'a', 3, 2);
    sequences.take('z', 'a', 4, 1); // y leaves
    expect(sequences.take('x', 'a', 3, 2)).toBe(-1); // x kept
    expect(sequences.take('y', 'a', 2, 1)).toBe(0); // y starts afresh
  });
});

describe('Numbering', () => {
  test('number broadcasts across channels and on each, taking a number only once committed', () => {
    const numbering = new Numbering(2);
    const first = numbering.peek('x');
    expect(first).toEqual({ seq: 1, n: 1 });
    expect(numbering.peek('x')).toEqual(first); // not committed: the same again
    numbering.commit('x', first);
    numbering.commit('y', numbering.peek('y'));
    expect(numbering.peek('x')).toEqual({ seq: 3, n: 2 });
    numbering.commit('x', numbering.peek('x'));
    numbering.commit('z', numbering.peek('z')); // y, unused longest, forgets its count
    expect(numbering.peek('y')).toEqual({ seq: 5, n: 1 });
  });
});
