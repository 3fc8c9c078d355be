// Turns the scaling run's results into a markdown table, a model of 100 instances and an SVG
// line chart (CPU per instance per 1,000 broadcasts against the instance count); no dependency.
import { SCALE_LABELS, SCALE_SERVERS } from './shared.js';

const fixed = (value, digits = 1) => (value === undefined ? '—' : value.toFixed(digits));
const ratio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
const MODEL_INSTANCES = 100;
/**
 * ms per 1,000 broadcasts under which a rise is taken for noise: each chunk's CPU is a difference
 * of two readings less an idle rate, and a few ms per 1,000 come and go between passes.
 */
const FLAT_SLACK = 10;

/** The servers that ran, in report order, with their runs. */
function measured(scale) {
  return SCALE_SERVERS.filter((kind) => scale.servers[kind]?.runs?.length > 0).map((kind) => ({
    kind,
    runs: scale.servers[kind].runs,
  }));
}

/** The least-squares line through [x, y] points, as a function; a constant for one point. */
function line(points) {
  const known = points.filter(([, y]) => y !== undefined);
  if (known.length === 0) return () => undefined;
  const n = known.length;
  const mx = known.reduce((sum, [x]) => sum + x, 0) / n;
  const my = known.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = known.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : known.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) / sxx;
  const at = (x) => Math.max(0, my + slope * (x - mx));
  at.slope = slope;
  return at;
}

/**
 * What one instance would spend at `instances` instances, per 1,000 broadcasts of the whole
 * cluster, with random issuers and rooms as in the run: it holds the room of 1/N of them, issues
 * (1/N)·(N−1)/N without holding the room, and plays no part in the rest, each at its measured
 * cost; each role's cost is the line through the measured points, carried to N.
 */
export function modelOf(runs, instances = MODEL_INSTANCES) {
  // A cost that fell with more instances is noise or warm-up, not a trend to carry to 100: it
  // stays at its last measurement; one that rose is carried along its line.
  const fit = (pick) => {
    const last = [...runs].reverse().find((run) => pick(run) !== undefined);
    if (last === undefined) return 0;
    const carried = line(runs.map((run) => [run.instances, pick(run)]))(instances);
    return Math.max(pick(last), carried);
  };
  const holder = fit((run) => run.holder);
  const issuer = fit((run) => run.issuer);
  const other = fit((run) => run.other);
  const n = instances;
  const notHeld = (other * (n - 1) * (n - 1)) / (n * n);
  return {
    instances,
    holder,
    issuer,
    other,
    perInstance: holder / n + (issuer * (n - 1)) / (n * n) + notHeld,
    notHeld,
    redis: fit((run) => run.redis),
  };
}

/** The goals of the scaling run, each { name, measured, met }. */
export function scaleGoals(scale) {
  const servers = measured(scale);
  const goals = [];
  for (const { kind, runs } of servers) {
    const first = runs[0];
    const last = runs[runs.length - 1];
    if (first === last || first.other === undefined || last.other === undefined) continue;
    goals.push({
      name: `${SCALE_LABELS[kind]}: cost of a room not held flat from ${first.instances} to ${last.instances} instances (≤ 1.2×, or ≤ +${FLAT_SLACK} ms)`,
      measured: `${fixed(first.other)} → ${fixed(last.other)} ms per 1,000 (${ratio(last.other / first.other)})`,
      met: last.other <= Math.max(1.2 * first.other, first.other + FLAT_SLACK),
    });
  }
  const etps = servers.filter(({ kind }) => kind.startsWith('etp'));
  const ios = servers.filter(({ kind }) => kind.startsWith('io'));
  if (etps.length > 0 && ios.length > 0) {
    for (const [index, { instances }] of etps[0].runs.entries()) {
      const at = (runs) => runs[index]?.perInstance;
      const best = Math.min(...etps.map(({ runs }) => at(runs)));
      const rival = Math.min(...ios.map(({ runs }) => at(runs)));
      const versus = best <= rival ? `${ratio(rival / best)} less` : `${ratio(best / rival)} more`;
      goals.push({
        name: `nestjs-etp leads both socket.io adapters at ${instances} instances (CPU per instance)`,
        measured: `${fixed(best)} vs ${fixed(rival)} ms per 1,000 (${versus})`,
        met: best < rival,
      });
    }
  }
  return goals;
}

export function scaleMarkdown(report) {
  const { scale, config, machine } = report;
  const servers = measured(scale);
  const lines = [
    `Scaling: ${config.instances.join(', ')} instances on one Redis (redis-server ${scale.redis}), ` +
      `each holding ${config.rooms} rooms of its own with ${config.perRoom} clients in each (the ` +
      "clients of an instance join only that instance's rooms); " +
      `${config.broadcasts.toLocaleString('en-US')} broadcasts to random rooms, issued from random ` +
      `instances, in chunks of ${config.chunk} with one issuer and one holding instance. CPU time ` +
      '(`process.cpuUsage` of every instance, less its idle rate; Redis: INFO cpu), in ms per ' +
      "1,000 broadcasts. *Per instance*: all instances' CPU divided by their number; *holder*: " +
      'the instance holding the room, per 1,000 broadcasts it holds; *issuer*: the instance ' +
      'issuing a broadcast to a room it does not hold; *not held*: an instance that neither holds ' +
      'the room nor issues, per 1,000 such broadcasts — the cost of rooms it does not hold.',
    '',
    '| Server | instances | per instance | holder | issuer | not held | Redis | PUBLISH + SPUBLISH per broadcast |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { kind, runs } of servers) {
    for (const run of runs) {
      const publishes = (run.publish + run.spublish) / run.broadcasts;
      lines.push(
        `| ${SCALE_LABELS[kind]} | ${run.instances} | ${fixed(run.perInstance)} | ${fixed(run.holder)} | ` +
          `${fixed(run.issuer)} | ${fixed(run.other)} | ${fixed(run.redis)} | ${publishes.toFixed(2)}` +
          `${run.spublish > 0 ? ' (sharded)' : ''} |`,
      );
    }
  }
  const missing = SCALE_SERVERS.filter((kind) => scale.servers[kind]?.unavailable !== undefined);
  if (missing.length > 0) {
    const reasons = missing.map(
      (kind) => `${SCALE_LABELS[kind]}: ${scale.servers[kind].unavailable}`,
    );
    lines.push('', `${reasons.join('; ')}.`);
  }
  const etp = servers.find(({ kind }) => kind === 'etp');
  if (etp !== undefined) {
    const versus = servers
      .filter(({ kind }) => kind.startsWith('io'))
      .map(({ kind, runs }) => {
        const each = runs.map(
          (run, index) =>
            `${run.instances}: ${ratio(run.perInstance / etp.runs[index].perInstance)}`,
        );
        return `${SCALE_LABELS[kind]} ${each.join(', ')}`;
      });
    if (versus.length > 0) {
      lines.push('', `CPU per instance, as a multiple of EtpAdapter's: ${versus.join('; ')}.`);
    }
  }
  lines.push('', modelParagraph(servers));
  const goals = scaleGoals(scale);
  if (goals.length > 0) {
    lines.push('', '| Goal | measured | |', '| --- | ---: | --- |');
    for (const goal of goals) {
      lines.push(`| ${goal.name} | ${goal.measured} | ${goal.met ? 'met' : 'missed'} |`);
    }
  }
  lines.push(
    '',
    `Machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `${machine.os}; ${report.date}.`,
  );
  return lines.join('\n') + '\n';
}

/** The model of 100 instances, as a paragraph. */
function modelParagraph(servers) {
  const n = MODEL_INSTANCES;
  const rows = servers.map(({ kind, runs }) => {
    const model = modelOf(runs, n);
    // At 1,000 broadcasts a second across the cluster, ms of CPU a second is per mille of a core.
    return (
      `${SCALE_LABELS[kind]}: ${fixed(model.perInstance)} ms per instance per 1,000 broadcasts ` +
      `(${fixed(model.perInstance / 10)} % of a core at 1,000 broadcasts/s cluster-wide), of which ` +
      `${fixed(model.notHeld)} ms for rooms it does not hold; Redis ${fixed(model.redis)} ms`
    );
  });
  return (
    `Model of ${n} instances (a model, not a measurement): each role's measured cost (holder, ` +
    'issuer, not held, Redis) is carried to 100 instances along the least-squares line through ' +
    'the measured instance counts when it rose with them, and held at its last measurement ' +
    'when it did not, then weighted by how often an instance plays it when issuers and ' +
    `rooms are random (holder 1/N, issuer (N−1)/N², not held (N−1)²/N²). ${rows.join('; ')}. ` +
    'A cost for rooms not held that is flat per broadcast still grows with the cluster when each ' +
    'instance brings its own broadcasts: at r broadcasts a second per instance, an instance pays ' +
    'it (N−1)·r times a second; only routing by room takes it to zero.'
  );
}

const escape = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
const COLORS = {
  etp: '#2f6fde',
  'etp-sharded': '#14a37f',
  io: '#9aa5b1',
  'io-sharded': '#d9822b',
};

/** One line chart of `pick(run)` against the instance count; returns its svg fragment. */
function chart(x0, title, servers, pick) {
  const [width, height, left, top] = [380, 240, 50, 40];
  const counts = [...new Set(servers.flatMap(({ runs }) => runs.map((run) => run.instances)))];
  const maxX = Math.max(...counts);
  const minX = Math.min(...counts);
  const maxY =
    Math.max(1, ...servers.flatMap(({ runs }) => runs.map((run) => pick(run) ?? 0))) * 1.1;
  const sx = (x) => x0 + left + ((x - minX) / Math.max(1, maxX - minX)) * (width - left - 20);
  const sy = (y) => top + (1 - y / maxY) * (height - top - 30);
  let out = `<text x="${x0 + 10}" y="20" font-weight="bold">${escape(title)}</text>`;
  out += `<line x1="${sx(minX)}" y1="${sy(0)}" x2="${sx(maxX)}" y2="${sy(0)}" stroke="#333"/>`;
  out += `<line x1="${sx(minX)}" y1="${sy(0)}" x2="${sx(minX)}" y2="${top}" stroke="#333"/>`;
  for (const count of counts) {
    out += `<text x="${sx(count)}" y="${sy(0) + 16}" text-anchor="middle">${count}</text>`;
  }
  for (const fraction of [0.5, 1]) {
    const value = (maxY / 1.1) * fraction;
    out += `<text x="${sx(minX) - 6}" y="${sy(value) + 4}" text-anchor="end">${Math.round(value)}</text>`;
  }
  out += `<text x="${x0 + width / 2}" y="${height - 2}" text-anchor="middle" fill="#555">instances</text>`;
  for (const { kind, runs } of servers) {
    const points = runs
      .filter((run) => pick(run) !== undefined)
      .map((run) => `${sx(run.instances).toFixed(1)},${sy(pick(run)).toFixed(1)}`);
    out += `<polyline fill="none" stroke="${COLORS[kind]}" stroke-width="2.5" points="${points.join(' ')}"/>`;
    for (const point of points) {
      const [cx, cy] = point.split(',');
      out += `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${COLORS[kind]}"/>`;
    }
  }
  return out;
}

export function scaleSvg(report) {
  const servers = measured(report.scale);
  let body =
    chart(0, 'CPU per instance per 1,000 broadcasts, ms', servers, (run) => run.perInstance) +
    chart(380, 'Rooms not held: ms per 1,000 broadcasts', servers, (run) => run.other);
  servers.forEach(({ kind }, index) => {
    const y = 262 + index * 20;
    body +=
      `<rect x="50" y="${y - 10}" width="14" height="4" fill="${COLORS[kind]}"/>` +
      `<text x="72" y="${y - 4}">${escape(SCALE_LABELS[kind])}</text>`;
  });
  const { machine } = report;
  const y = 262 + servers.length * 20 + 8;
  body += `<text x="10" y="${y}" font-size="11" fill="#555">${escape(
    `CPU time (lower is better); ${machine.nproc} cores ${machine.cpu}, Node ${machine.node}, ${report.date}`,
  )}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${y + 12}" ` +
    `font-family="sans-serif" font-size="13"><rect width="100%" height="100%" fill="#fff"/>` +
    `${body}</svg>\n`
  );
}
