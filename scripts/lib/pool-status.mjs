// Prints how far the quickstart's pool is from min-ready, and exits 0 once every label has
// at least min-ready ready nodes (1 otherwise). Reads `nodepool list --json` on stdin and
// the min-ready values from the config given as the first argument (built code in dist/).
// Output: one line such as "small 1/2 ready, large 0/1 ready (3 building)".
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../dist/config/index.js';

const configPath = process.argv[2];
if (configPath === undefined) {
  process.stderr.write('usage: pool-status.mjs NODEPOOL_YAML < nodepool-list.json\n');
  process.exit(2);
}
const config = await loadConfig(configPath, { retryMissing: false });
const nodes = JSON.parse(readFileSync(0, 'utf8'));
const ready = new Map();
let building = 0;
for (const n of nodes) {
  if (n.state === 'ready') ready.set(n.label, (ready.get(n.label) ?? 0) + 1);
  if (n.state === 'building') building += 1;
}
let isReady = true;
const parts = config.labels.map((l) => {
  const have = ready.get(l.name) ?? 0;
  if (have < l.minReady) isReady = false;
  return `${l.name} ${have}/${l.minReady} ready`;
});
process.stdout.write(`${parts.join(', ')} (${building} building)\n`);
process.exit(isReady ? 0 : 1);
