/**
 * One pass of the main loop (spec §5.2): subnode deficits first, then demand and
 * allocation with the pure core, then one row insert and one background launch per node.
 * Two queries read the state (nodes, subnode counts); nothing here waits on the cloud.
 */
import type { CompiledConfig } from '../config/index.js';
import { stateFromCode } from '../db/index.js';
import type { Database } from '../db/index.js';
import type { Provider } from '../provider/index.js';
import type { AllocationHistory } from './allocation-history.js';
import type { LauncherContext } from './context.js';
import { countNodes, subnodeDeficits } from './demand.js';
import { currentCloudImage } from './image-source.js';
import type { NodeSummary, SubnodeStatus } from './demand.js';
import type { DemandSource, JenkinsHooks } from './hooks.js';
import { planLaunches } from './launch-plan.js';
import type { LaunchSpec } from './node-launcher.js';
import type { SubnodeLaunchSpec } from './subnode-launcher.js';

/** What a pass starts; the pool runs them in the background. */
export interface PassStarter {
  launch(spec: LaunchSpec): void;
  launchSubnode(spec: SubnodeLaunchSpec): void;
}

/** What a pass decided, for the debug log and tests. */
export interface PassResult {
  readonly launches: number;
  readonly subnodeLaunches: number;
  readonly nodes: number;
}

interface SubnodeCounts {
  all: number;
  active: number;
}

/** Subnode rows per parent: all of them, and those not in `delete` (4). */
async function subnodeCounts(db: Database): Promise<Map<number, SubnodeCounts>> {
  // The repositories have no cross-node query; one grouped read keeps the pass at two queries.
  type Row = { node_id: unknown; state: unknown; n: unknown };
  const rows: Row[] = await db.knex('subnode').select('node_id', 'state').count({ n: '*' }).groupBy('node_id', 'state');
  const out = new Map<number, SubnodeCounts>();
  for (const r of rows) {
    const id = Number(r.node_id);
    const c = out.get(id) ?? { all: 0, active: 0 };
    c.all += Number(r.n);
    if (Number(r.state) !== 4) c.active += Number(r.n);
    out.set(id, c);
  }
  return out;
}

async function onlineTargets(config: CompiledConfig, jenkins: JenkinsHooks): Promise<Set<string>> {
  const online = new Set<string>();
  for (const t of config.targets) {
    if (jenkins.isTargetOnline === undefined || (await jenkins.isTargetOnline(t))) online.add(t.name);
  }
  return online;
}

function pickAz(zones: readonly string[] | undefined): string | null {
  if (zones === undefined || zones.length === 0) return null;
  return zones[Math.floor(Math.random() * zones.length)] ?? null;
}

/**
 * Lets each provider about to launch fetch its flavors and limits once (`Provider.refresh`,
 * at most once per loop interval), so that a burst of creates finds them cached instead of
 * each asking the cloud.
 */
async function refreshProviders(ctx: LauncherContext, names: readonly string[], refreshed: WeakMap<Provider, number>): Promise<void> {
  const now = Date.now();
  for (const name of new Set(names)) {
    const p = ctx.provider(name);
    if (p === undefined || now - (refreshed.get(p) ?? -Infinity) < ctx.timing.intervalMs) continue;
    refreshed.set(p, now);
    try {
      await p.refresh({ signal: ctx.signal });
    } catch (err) {
      ctx.log.warn({ err }, 'Cannot refresh provider %s: launching anyway', name);
    }
  }
}

/** Runs one pass against the config in force. */
export async function runPass(
  ctx: LauncherContext,
  deps: {
    history: AllocationHistory;
    jenkins: JenkinsHooks;
    demandSource?: DemandSource;
    starter: PassStarter;
    /** When each running provider last refreshed its flavors and limits. */
    refreshed: WeakMap<Provider, number>;
  },
): Promise<PassResult> {
  const config = ctx.config();
  const db = ctx.db();
  const nodes = await db.nodes.list();
  const subs = await subnodeCounts(db);
  const labels = new Map(config.labels.map((l) => [l.name, l]));
  const providers = new Map(config.providers.map((p) => [p.name, p]));
  const targets = new Map(config.targets.map((t) => [t.name, t]));

  // Step 4: subnode deficits, before any new node.
  const statuses: SubnodeStatus[] = [];
  const summaries = new Map<number, { -readonly [K in keyof NodeSummary]: NodeSummary[K] }>();
  for (const n of nodes) {
    const state = stateFromCode(n.state);
    if (state === undefined) continue;
    const c = subs.get(n.id);
    statuses.push({ nodeId: n.id, label: n.labelName, state, activeSubnodes: c?.active ?? 0 });
    summaries.set(n.id, { provider: n.providerName, label: n.labelName, target: n.targetName, state, subnodes: c?.all ?? 0 });
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let subnodeLaunches = 0;
  for (const d of subnodeDeficits(config, statuses)) {
    const parent = byId.get(d.nodeId);
    const label = labels.get(d.label);
    const provider = parent && providers.get(parent.providerName);
    const target = parent && targets.get(parent.targetName);
    if (!parent || !label || !provider || !target) continue;
    for (let i = 0; i < d.count; i++) {
      const row = await db.subnodes.create({ nodeId: parent.id });
      // Counts toward the provider's use at once (it is a server being built).
      const summary = summaries.get(parent.id);
      if (summary) summary.subnodes += 1;
      deps.starter.launchSubnode({ nodeId: parent.id, subnodeId: row.id, label, provider, target, az: parent.az, manager: parent.managerName });
      subnodeLaunches++;
    }
  }

  // Steps 5–6: demand, allocation, launches.
  const hasImage = new Set<string>();
  for (const label of config.labels) {
    for (const lp of label.providers) {
      if (!providers.has(lp.name)) continue;
      if (await currentCloudImage(ctx, label.image, lp.name)) hasImage.add(`${label.image}\0${lp.name}`);
    }
  }
  let gearmanDemand: ReadonlyMap<string, number> = new Map();
  if (deps.demandSource !== undefined) {
    try {
      gearmanDemand = await deps.demandSource();
    } catch (err) {
      ctx.log.warn({ err }, 'Cannot read Gearman demand: assuming none this pass');
    }
  }
  const plan = planLaunches(
    config,
    { counts: countNodes(summaries.values()), gearmanDemand, onlineTargets: await onlineTargets(config, deps.jenkins) },
    { history: deps.history, hasImage: (image, provider) => hasImage.has(`${image}\0${provider}`) },
  );
  for (const p of plan.demand.providers) {
    if (p.isOverAllocated) ctx.log.info('Provider %s is over-allocated: max-servers %d, in use %d', p.name, p.maxServers, p.used);
  }
  let launches = 0;
  await refreshProviders(ctx, plan.orders.map((o) => o.provider), deps.refreshed);
  for (const order of plan.orders) {
    const label = labels.get(order.label);
    const provider = providers.get(order.provider);
    const target = targets.get(order.target);
    if (!label || !provider || !target) continue;
    for (let i = 0; i < order.count; i++) {
      const az = pickAz(provider.availabilityZones);
      const row = await db.nodes.create({ providerName: provider.name, labelName: label.name, targetName: target.name, az });
      deps.starter.launch({ nodeId: row.id, label, provider, target, az });
      launches++;
    }
  }
  if (launches + subnodeLaunches > 0) ctx.gaugesChanged();
  return { launches, subnodeLaunches, nodes: nodes.length };
}
