// Prints the functions with the most self time in a V8 CPU profile (`--cpu-prof` output):
// `node bench/profile-summary.js <file.cpuprofile> [count]`.
/* global console, process */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [file, count = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
const byArea = new Map();
let total = 0;

/** Who owns a function: a package, this project's build, Node itself, or V8/native code. */
function areaOf({ url, functionName }) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'nestjs-etp (dist/)';
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return functionName.startsWith('(') ? functionName : `native: ${functionName}`;
  return 'other';
}
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
  const area = areaOf(node.callFrame);
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
}
const top = [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(count));
console.log(`${(total / 1e6).toFixed(2)} s sampled\n\nself time by owner:`);
for (const [area, micros] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${((micros / total) * 100).toFixed(1).padStart(5)} %  ${area}`);
}
console.log('\nself time by function:');
for (const [name, micros] of top) {
  console.log(`${((micros / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}
