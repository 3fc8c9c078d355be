import { Peers } from '../../../src/cluster/peers.js';

describe('Peers', () => {
  it('keeps the instances heard of within the timeout, forgets the silent ones', async () => {
    const gone: string[] = [];
    const peers = new Peers(30, (instance) => gone.push(instance));
    expect(peers.seen('b')).toBe(true);
    expect(peers.seen('b')).toBe(false);
    peers.seen('c');
    await new Promise((resolve) => setTimeout(resolve, 50));
    peers.seen('c');
    peers.sweep();
    expect(peers.alive()).toEqual(['c']);
    expect(gone).toEqual(['b']);
    peers.forget('c');
    expect(gone).toEqual(['b', 'c']);
  });

  it('tracks at most its maximum, and takes new ones again once some went', () => {
    const peers = new Peers(10_000, () => undefined, 2);
    expect(peers.seen('a')).toBe(true);
    expect(peers.seen('b')).toBe(true);
    expect(peers.seen('c')).toBeUndefined();
    expect(peers.seen('a')).toBe(false); // one already known still counts
    expect(peers.size).toBe(2);
    peers.forget('b');
    expect(peers.seen('c')).toBe(true);
  });

  it('after an outage of its own, counts every instance as just heard of', async () => {
    const peers = new Peers(30, () => undefined);
    peers.seen('b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    peers.refresh();
    peers.sweep();
    expect(peers.alive()).toEqual(['b']);
  });
});
