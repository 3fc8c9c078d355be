// Prints the functions with the most self time in a V8 CPU profile (`--cpu-prof` output):
// `node bench/profile-summary.js <file.cpuprofile> [count]`.
/* global console, process */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [file, count = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const micros = profile.timeDeltas[i] ?? 0;
  total += micros;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${relative(process.cwd(), url.replace('file://', ''))}:${lineNumber + 1}`
    : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  selfTime.set(key, (selfTime.get(key) ?? 0) + micros);
}
const top = [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(count));
console.log(`${(total / 1e6).toFixed(2)} s sampled`);
for (const [name, micros] of top) {
  console.log(`${((micros / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}
