// Fairness: does one peer flooding the server take the others' latency? 50 honest peers ask
// `echo` with an ack 20 times a second each; their ack latency (p50, p99) is measured with no
// flood, with one peer flooding and no limit (maxEventsPerSecond: 0), and with the flood and the
// default maxEventsPerSecond. Server, honest peers and flooder each run in a process of their own.
/* global console */
import { sleep, start } from './children.js';

const SETUPS = [
  { name: 'no flood', limit: 'default', flood: false },
  { name: 'flood, no limit', limit: '0', flood: true },
  { name: 'flood, default limit', limit: 'default', flood: true },
];

/** Tells a peers' process to stop and resolves with what it measured. */
function stopped(peers) {
  const result = peers.next('result', 30_000);
  peers.child.send({ cmd: 'stop' });
  return result;
}

async function once(setup, config) {
  const server = start('fairness-server.js', [setup.limit]);
  const children = [server];
  try {
    const { port } = await server.next('listening', 30_000);
    const honest = start('fairness-peers.js', [
      'honest',
      JSON.stringify({ port, peers: config.peers, rate: config.rate }),
    ]);
    children.push(honest);
    await honest.next('ready', 30_000);
    let flooder;
    if (setup.flood) {
      flooder = start('fairness-peers.js', ['flood', JSON.stringify({ port })]);
      children.push(flooder);
      await flooder.next('ready', 30_000);
    }
    await sleep(config.warmupMs);
    honest.child.send({ cmd: 'measure' });
    const before = await server.ask('handled');
    await sleep(config.durationMs);
    const after = await server.ask('handled');
    const result = await stopped(honest);
    const flood = flooder === undefined ? undefined : await stopped(flooder);
    return {
      ...setup,
      p50: result.p50,
      p99: result.p99,
      acks: result.acks,
      failures: result.failures,
      handledPerSecond: ((after.count - before.count) * 1000) / config.durationMs,
      flooderClosed: flood?.closed,
    };
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

/** Runs the three setups and prints them side by side, as ratios to the run without a flood. */
export async function runFairness(config) {
  const runs = [];
  for (const setup of SETUPS) runs.push(await once(setup, config));
  const [calm] = runs;
  console.log(
    `fairness: ${config.peers} honest peers at ${config.rate} acks/s each, ${config.durationMs} ms measured`,
  );
  for (const run of runs) {
    console.log(
      `fairness  ${run.name.padEnd(22)} honest p50 ${run.p50.toFixed(2)} ms (${(run.p50 / calm.p50).toFixed(1)}×)  ` +
        `p99 ${run.p99.toFixed(2)} ms (${(run.p99 / calm.p99).toFixed(1)}×)  ` +
        `honest acks ${run.acks}  server handled ${Math.round(run.handledPerSecond)}/s`,
    );
  }
  return runs;
}
