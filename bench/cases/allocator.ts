/**
 * Benchmark: one launcher pass of the pure core (spec §6 demand + §7 allocation) over
 * 10,000 nodes, 50 labels, 10 providers and 3 targets (one offline). Goal: < 50 ms of CPU
 * per pass (issue #6 "Scale"). The pass includes grouping the node rows, as the launcher
 * would do when it reads them instead of a `GROUP BY`.
 */
import { AllocationHistory, countNodes, planLaunches } from '../../src/launcher/index.js';
import type { LaunchPlanConfig, NodeStateName, NodeSummary } from '../../src/launcher/index.js';

const NODES = 10_000;
const LABELS = 50;
const PROVIDERS = 10;
const WARMUP_PASSES = 5;
const MEASURED_PASSES = 50;
const GOAL_MS = 50;

/** Small deterministic PRNG (mulberry32) so every run measures the same scenario. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildConfig(): LaunchPlanConfig {
  const providers = Array.from({ length: PROVIDERS }, (_, i) => ({
    name: `provider-${i}`,
    maxServers: 1_100,
  }));
  const labels = Array.from({ length: LABELS }, (_, i) => ({
    name: `label-${i}`,
    image: `image-${i % 7}`,
    minReady: 1 + (i % 5),
    subnodes: i % 10 === 0 ? 1 : 0,
    providers: [i, i + 3, i + 7].map((p) => ({ name: `provider-${p % PROVIDERS}` })),
  }));
  const targets = ['target-a', 'target-b', 'target-offline'].map((name) => ({ name }));
  return { providers, labels, targets };
}

const STATES: [NodeStateName, number][] = [
  ['ready', 0.3],
  ['used', 0.4],
  ['building', 0.15],
  ['delete', 0.05],
  ['hold', 0.05],
  ['test', 0.05],
];

function buildNodes(config: LaunchPlanConfig, random: () => number): NodeSummary[] {
  const nodes: NodeSummary[] = [];
  for (let i = 0; i < NODES; i += 1) {
    const label = config.labels[i % LABELS]!;
    const provider = label.providers[Math.floor(random() * label.providers.length)]!.name;
    let r = random();
    let state: NodeStateName = 'ready';
    for (const [s, p] of STATES) {
      if (r < p) {
        state = s;
        break;
      }
      r -= p;
    }
    const target = config.targets[i % config.targets.length]!.name;
    nodes.push({ provider, label: label.name, target, state, subnodes: label.subnodes });
  }
  return nodes;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Case name, as listed by the bench runner. */
export const name = 'allocator-pass';
/** What counts as success. */
export const goal = `demand + allocation over ${NODES} nodes, ${LABELS} labels, ${PROVIDERS} providers: p95 CPU < ${GOAL_MS} ms per pass`;

/** Runs the warm-up and measured passes and reports CPU time per pass. */
export async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const random = prng(42);
  const config = buildConfig();
  const nodes = buildNodes(config, random);
  const gearmanDemand = new Map<string, number>();
  for (let i = 0; i < LABELS; i += 2)
    gearmanDemand.set(`label-${i}`, 150 + Math.floor(random() * 200));
  const onlineTargets = new Set(['target-a', 'target-b']);
  const missingImage = new Set(['image-3:provider-4', 'image-5:provider-9']);
  const history = new AllocationHistory();
  const options = {
    history,
    hasImage: (image: string, provider: string) => !missingImage.has(`${image}:${provider}`),
  };

  const samples: number[] = [];
  let orders = 0;
  let launches = 0;
  for (let pass = 0; pass < WARMUP_PASSES + MEASURED_PASSES; pass += 1) {
    const before = process.cpuUsage();
    const plan = planLaunches(
      config,
      { counts: countNodes(nodes), gearmanDemand, onlineTargets },
      options,
    );
    const used = process.cpuUsage(before);
    if (pass >= WARMUP_PASSES) samples.push((used.user + used.system) / 1000);
    orders = plan.orders.length;
    launches = plan.orders.reduce((sum, o) => sum + o.count, 0);
    // Yield between passes, as the daemon does, so timers and GC bookkeeping can run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const p95 = percentile(samples, 95);
  return {
    figures: {
      nodes: NODES,
      labels: LABELS,
      providers: PROVIDERS,
      passes: MEASURED_PASSES,
      'cpu ms/pass mean': Number(mean.toFixed(3)),
      'cpu ms/pass p50': Number(percentile(samples, 50).toFixed(3)),
      'cpu ms/pass p95': Number(p95.toFixed(3)),
      'cpu ms/pass max': Number(samples[samples.length - 1]!.toFixed(3)),
      'launch orders (last pass)': orders,
      'nodes to launch (last pass)': launches,
    },
    met: p95 < GOAL_MS,
  };
}

export default { name, goal, run };
