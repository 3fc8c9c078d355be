// Turns a results object into the markdown table and the SVG chart; no dependency.
import { CLUSTER_LABELS, CLUSTER_SERVERS, ECHO_SERVERS, LABELS, ROOM_SERVERS } from './shared.js';

const thousands = (value) => Math.round(value).toLocaleString('en-US');
const ms = (micros) => (micros / 1000).toFixed(2);
const ratio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
const mark = (met) => (met === undefined ? 'not measured' : met ? 'met' : 'missed');

export function markdown(results) {
  const { echo, goals, machine, config } = results;
  const lines = [];
  lines.push(
    `Echo: ${config.echo.connections} connections × ${config.echo.inflight} requests in flight, ` +
      `${config.echo.durationMs / 1000} s measured after ${config.echo.warmupMs / 1000} s of warm-up, ` +
      `${config.payloadBytes}-byte JSON payload; best of ${config.echo.rounds} interleaved round(s).`,
    '',
    '| Server | acks/s | p50 ms | p99 ms | server CPU | EtpAdapter is |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const kind of ECHO_SERVERS) {
    const row = echo[kind];
    if (row === undefined) continue;
    const versus = kind === 'etp' ? '—' : ratio(echo.etp.rate / row.rate);
    lines.push(
      `| ${LABELS[kind]} | ${thousands(row.rate)} | ${ms(row.p50)} | ${ms(row.p99)} | ` +
        `${Math.round(row.serverCpu * 100)} % | ${versus} |`,
    );
  }
  if (Object.keys(results.broadcast ?? {}).length > 0) lines.push('', roomMarkdown(results));
  if (Object.keys(results.cluster ?? {}).length > 0) lines.push('', clusterMarkdown(results));
  lines.push('', '| Goal | measured | |', '| --- | ---: | --- |');
  for (const goal of goals) {
    lines.push(`| ${goal.name} | ${goal.measured} | ${mark(goal.met)} |`);
  }
  lines.push(
    '',
    `Machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `${machine.os}; ${results.date}.`,
  );
  return lines.join('\n') + '\n';
}

/** The table of the one-process broadcast to one room, with the floor's row. */
export function roomMarkdown({ broadcast, memory, config }) {
  const lines = [
    `Broadcast: one event to a room of ${thousands(config.room.clients)} connections, until every ` +
      `client has it, over ${config.room.rounds} rounds; the server's CPU (\`process.cpuUsage\`) ` +
      'per broadcast is a mean over the rounds, less what it spends idle over as long. The floor ' +
      'is a raw `node:net` server (no WebSocket library) writing one prebuilt frame to each ' +
      'member: the cost of the writes themselves. Memory: per idle connection in that room, ' +
      'measured in the server process after a full GC.',
    '',
    '| Server | broadcast ms (median) | best | server send loop ms | send loop / floor | server CPU ms per broadcast | CPU / floor | heap+external B/conn | RSS B/conn | EtpAdapter is faster by (median / best) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const floor = broadcast.floor;
  for (const kind of ROOM_SERVERS) {
    const row = broadcast[kind];
    const mem = memory[kind];
    if (row === undefined || mem === undefined) continue;
    const versus =
      kind === 'etp' || broadcast.etp === undefined
        ? '—'
        : `${ratio(row.median / broadcast.etp.median)} / ${ratio(row.best / broadcast.etp.best)}`;
    const cpu = row.cpu === undefined ? '—' : row.cpu.toFixed(1);
    const toFloor = (value, base) =>
      floor === undefined || value === undefined || kind === 'floor' ? '—' : ratio(value / base);
    lines.push(
      `| ${LABELS[kind]} | ${row.median.toFixed(1)} | ${row.best.toFixed(1)} | ${row.sendLoop.toFixed(1)} | ` +
        `${toFloor(row.sendLoop, floor?.sendLoop)} | ${cpu} | ${toFloor(row.cpu, floor?.cpu)} | ` +
        `${thousands(mem.perConnection)} | ${thousands(mem.rssPerConnection)} | ${versus} |`,
    );
  }
  return lines.join('\n');
}

/** The table of the broadcast across two instances through one Redis. */
export function clusterMarkdown({ cluster, config }) {
  const { clients, instances, rounds, passes, settleMs, idleMs } = config.cluster;
  const lines = [
    `Broadcast across ${instances} instances through one Redis (redis-server ${cluster.redis}, ` +
      `no persistence): a room of ${thousands(clients)} connections, half on each instance; ` +
      `instance A sends one event to the room, and a round lasts until every client has it (the ` +
      'floor, raw `node:net` servers with no Redis hop, is told to write by the runner on both ' +
      'instances: its CPU is that of the writes alone); ' +
      `${rounds} rounds in each of ${passes} pass(es), the servers' order alternating. CPU per ` +
      'broadcast, a mean over the rounds, counted from just before the broadcast to ' +
      `${settleMs} ms after the last client had it, less what the same process uses idle over as ` +
      `long (measured for ${idleMs / 1000} s before the rounds): the two instance processes' ` +
      "(`process.cpuUsage`), and redis-server's from `/proc/<pid>/stat` (in 10 ms ticks, so " +
      'only its sum over every round means something, and idle time is not taken off) and, in ' +
      "brackets, from the scheduler's per-thread count in `/proc/<pid>/task/*/schedstat` (ns).",
    '',
    '| Server | broadcast ms (median) | best | A send call ms | instances CPU ms (A + B) | instances CPU / floor | redis-server CPU ms | EtpAdapter is faster by (median / best) | EtpAdapter uses less instance CPU by |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const floor = cluster.floor?.cpu;
  const etp = cluster.etp?.unavailable === undefined ? cluster.etp : undefined;
  for (const kind of CLUSTER_SERVERS) {
    const row = cluster[kind];
    if (row === undefined) continue;
    if (row.unavailable !== undefined) {
      lines.push(`| ${CLUSTER_LABELS[kind]} | ${row.unavailable} | | | | | | | |`);
      continue;
    }
    const { cpu } = row;
    const redis =
      `${cpu.redisStat.toFixed(2)}` +
      (cpu.redisSched === undefined ? '' : ` (${cpu.redisSched.toFixed(3)})`);
    const versus =
      kind === 'etp' || kind === 'floor' || etp === undefined
        ? ['—', '—']
        : [
            `${ratio(row.median / etp.median)} / ${ratio(row.best / etp.best)}`,
            ratio(cpu.instances / etp.cpu.instances),
          ];
    lines.push(
      `| ${CLUSTER_LABELS[kind]} | ${row.median.toFixed(1)} | ${row.best.toFixed(1)} | ` +
        `${row.sendLoop.toFixed(1)} | ${cpu.instances.toFixed(1)} (${cpu.a.toFixed(1)} + ${cpu.b.toFixed(1)}) | ` +
        `${floor === undefined || kind === 'floor' ? '—' : ratio(cpu.instances / floor.instances)} | ${redis} | ${versus[0]} | ${versus[1]} |`,
    );
  }
  const idle = CLUSTER_SERVERS.filter((kind) => cluster[kind]?.idle !== undefined).map((kind) => {
    const passes = cluster[kind].idle;
    const mean = (pick) => passes.reduce((sum, pass) => sum + pick(pass), 0) / passes.length;
    const redis = passes.every((pass) => pass.redis.sched !== undefined)
      ? `, redis-server ${mean((pass) => pass.redis.sched).toFixed(2)} ms`
      : '';
    return `${CLUSTER_LABELS[kind]}: instances ${mean((pass) => pass.a + pass.b).toFixed(2)} ms${redis}`;
  });
  if (idle.length > 0) lines.push('', `Idle CPU per second, taken off above: ${idle.join('; ')}.`);
  const clientsCpu = CLUSTER_SERVERS.filter((kind) => cluster[kind]?.cpu !== undefined).map(
    (kind) => `${CLUSTER_LABELS[kind]} ${cluster[kind].cpu.clients.toFixed(1)} ms`,
  );
  if (clientsCpu.length > 0) {
    lines.push(`The clients' process, per broadcast: ${clientsCpu.join('; ')}.`);
  }
  return lines.join('\n');
}

const escape = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

/** One panel of horizontal bars; returns [svg fragment, height]. */
function panel(y, title, rows, format) {
  const width = 760;
  const labelWidth = 250;
  const barMax = width - labelWidth - 110;
  const max = Math.max(...rows.map((row) => row.value ?? 0), 1);
  let out = `<text x="10" y="${y + 18}" font-weight="bold">${escape(title)}</text>`;
  rows.forEach((row, index) => {
    const top = y + 30 + index * 26;
    const label = `<text x="${labelWidth - 8}" y="${top + 14}" text-anchor="end">${escape(row.label ?? LABELS[row.kind])}</text>`;
    if (row.value === undefined) {
      out += label + `<text x="${labelWidth}" y="${top + 14}" fill="#555">not available</text>`;
      return;
    }
    const length = Math.max(1, (row.value / max) * barMax);
    const fill = row.kind === 'etp' ? '#2f6fde' : '#9aa5b1';
    out +=
      label +
      `<rect x="${labelWidth}" y="${top}" width="${length.toFixed(1)}" height="18" fill="${fill}"/>` +
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${top + 14}">${escape(format(row.value))}</text>`;
  });
  return [out, 30 + rows.length * 26 + 14];
}

export function svg(results) {
  const { echo, broadcast, memory, config } = results;
  const cluster = results.cluster ?? {};
  const clusterRows = (value) =>
    CLUSTER_SERVERS.filter((kind) => cluster[kind]).map((kind) => ({
      kind,
      label: kind === 'io' ? 'socket.io + redis-adapter' : CLUSTER_LABELS[kind],
      value: cluster[kind].unavailable === undefined ? value(cluster[kind]) : undefined,
    }));
  const panels = [
    [
      `Echo throughput, acks/s (higher is better) — ${config.echo.connections}×${config.echo.inflight} in flight`,
      ECHO_SERVERS.filter((kind) => echo[kind]).map((kind) => ({ kind, value: echo[kind].rate })),
      thousands,
    ],
    [
      'Echo p99 latency, ms (lower is better)',
      ECHO_SERVERS.filter((kind) => echo[kind]).map((kind) => ({ kind, value: echo[kind].p99 })),
      ms,
    ],
    [
      `Broadcast to ${thousands(config.room.clients)} connections, ms (lower is better)`,
      ROOM_SERVERS.filter((kind) => broadcast[kind]).map((kind) => ({
        kind,
        value: broadcast[kind].median,
      })),
      (value) => value.toFixed(1),
    ],
    [
      'Memory per idle connection, heap+external bytes (lower is better)',
      ROOM_SERVERS.filter((kind) => memory[kind]).map((kind) => ({
        kind,
        value: memory[kind].perConnection,
      })),
      thousands,
    ],
    [
      `Broadcast to ${thousands(config.cluster?.clients ?? 0)} connections on 2 instances through Redis, ms (lower is better)`,
      clusterRows((row) => row.median),
      (value) => value.toFixed(1),
    ],
    [
      "Instances' CPU per broadcast across 2 instances, ms (lower is better)",
      clusterRows((row) => row.cpu.instances),
      (value) => value.toFixed(1),
    ],
  ].filter(([, rows]) => rows.length > 0);
  let body = '';
  let y = 10;
  for (const [title, rows, format] of panels) {
    const [fragment, height] = panel(y, title, rows, format);
    body += fragment;
    y += height;
  }
  const { machine } = results;
  body += `<text x="10" y="${y + 12}" font-size="11" fill="#555">${escape(
    `${machine.nproc} cores ${machine.cpu}, Node ${machine.node}, ${results.date}`,
  )}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${y + 24}" ` +
    `font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="#fff"/>` +
    `${body}</svg>\n`
  );
}
