import { Subscriptions } from '../../../src/cluster/subscriptions.js';

/** Subscriptions over a set of names said to be here, recording each batch sent. */
function setup(send?: (listen: string[], unlisten: string[]) => Promise<void>) {
  const here = new Set<string>();
  const batches: Array<[string[], string[]]> = [];
  const dropped: string[] = [];
  const failures: unknown[] = [];
  const subscriptions = new Subscriptions(
    (name) => here.has(name),
    send ??
      (async (listen, unlisten) => {
        batches.push([listen, unlisten]);
      }),
    (name) => dropped.push(name),
    (error) => failures.push(error),
  );
  return { here, batches, dropped, failures, subscriptions };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Subscriptions', () => {
  test('send the names that appeared in one turn as one batch', async () => {
    const { here, batches, subscriptions } = setup();
    for (const name of ['a', 'b', 'c']) {
      here.add(name);
      subscriptions.appeared(name);
    }
    await turn();
    expect(batches).toEqual([[['a', 'b', 'c'], []]]);
    expect(subscriptions.size).toBe(3);
  });

  test('send nothing for a name that went and came back before the batch left', async () => {
    const { here, batches, subscriptions } = setup();
    here.add('a');
    subscriptions.appeared('a');
    await turn();
    here.delete('a');
    subscriptions.gone('a');
    here.add('a');
    subscriptions.appeared('a');
    await turn();
    expect(batches).toEqual([[['a'], []]]);
  });

  test('unlisten a name gone, and forget what was heard on it', async () => {
    const { here, batches, dropped, subscriptions } = setup();
    here.add('a');
    subscriptions.appeared('a');
    await turn();
    here.delete('a');
    subscriptions.gone('a');
    subscriptions.gone('a'); // told twice: one change all the same
    await turn();
    expect(batches).toEqual([
      [['a'], []],
      [[], ['a']],
    ]);
    expect(dropped).toEqual(['a']);
  });

  test('after a refused batch, send it again once retried', async () => {
    let refuse = true;
    const sent: string[][] = [];
    const { here, failures, subscriptions } = setup(async (listen) => {
      sent.push(listen);
      if (refuse) throw new Error('down');
    });
    here.add('a');
    subscriptions.appeared('a');
    await turn();
    await turn();
    expect(failures).toHaveLength(1);
    expect(subscriptions.size).toBe(0);
    refuse = false;
    subscriptions.retry();
    await turn();
    expect(sent).toEqual([['a'], ['a']]);
    expect(subscriptions.size).toBe(1);
  });

  test('send nothing once stopped', async () => {
    const { here, batches, subscriptions } = setup();
    subscriptions.stop();
    here.add('a');
    subscriptions.appeared('a');
    await turn();
    expect(batches).toEqual([]);
  });

  test('settle a name once the batch holding it was taken, not before', async () => {
    const answers: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
    const { here, subscriptions } = setup(
      (): Promise<void> => new Promise((resolve, reject) => answers.push({ resolve, reject })),
    );
    here.add('a');
    subscriptions.appeared('a');
    let settled = false;
    const waiting = subscriptions.settled('a').then(() => (settled = true));
    await turn();
    expect(answers).toHaveLength(1);
    await turn();
    expect(settled).toBe(false);
    answers[0].resolve();
    await waiting;
    // Listened on already: at once.
    await subscriptions.settled('a');
    // Not here at all: nothing to wait for.
    await subscriptions.settled('b');
  });

  test('reject the wait for a name whose batch the transport refused', async () => {
    const { here, subscriptions } = setup(() => Promise.reject(new Error('refused')));
    here.add('a');
    subscriptions.appeared('a');
    await expect(subscriptions.settled('a')).rejects.toThrow('refused');
  });
});
