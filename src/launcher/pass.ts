/**
 * One pass of the main loop (docs/behaviour.md#one-pass): subnode deficits first, then demand and
 * allocation with the pure core, then one row insert and one background launch per node.
 * Grouped queries read the state (node and subnode counts; node rows only of labels with
 * subnodes); nothing here waits on the cloud.
 */
import type {
  CompiledConfig,
  CompiledLabel,
  CompiledProvider,
  CompiledTarget,
} from '../config/index.js';
import { stateFromCode } from '../db/index.js';
import type { RepoPorts } from '../db/index.js';
import type { Provider } from '../provider/index.js';
import { nextTurn } from '../util/index.js';
import { planLaunches, subnodeDeficits } from './allocation/index.js';
import type { AllocationHistory, NodeCount, SubnodeStatus } from './allocation/index.js';
import type { LauncherContext } from './context.js';
import { currentCloudImage } from './image-source.js';
import type { DemandSource, JenkinsHooks } from './hooks.js';
import type { LaunchSpec } from './node-launcher.js';
import { applyReadyPolicies } from './policies/index.js';
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

type MutableCount = { -readonly [K in keyof NodeCount]: NodeCount[K] };

/**
 * The node counts demand works from, in two grouped queries (no row per node): nodes per
 * (provider, label, target, state), with the subnodes of each group's nodes added in.
 * Rows with a state code 0.4.0 never writes are left out, as everywhere else.
 */
async function nodeGroups(db: RepoPorts): Promise<{ counts: MutableCount[]; nodes: number }> {
  const groups = await db.nodes.countBy(['provider', 'label', 'target', 'state']);
  const subs = await db.subnodes.countByParentGroup();
  const key = (g: {
    provider?: string;
    label?: string;
    target?: string;
    state?: number | null;
  }): string => `${g.provider}\0${g.label}\0${g.target}\0${g.state}`;
  const subsByGroup = new Map(subs.map((g) => [key(g), g.count]));
  const counts: MutableCount[] = [];
  let nodes = 0;
  for (const g of groups) {
    const state = stateFromCode(g.state);
    nodes += g.count;
    if (state === undefined) continue;
    counts.push({
      provider: g.provider!,
      label: g.label!,
      target: g.target!,
      state,
      nodes: g.count,
      subnodes: subsByGroup.get(key(g)) ?? 0,
    });
  }
  return { counts, nodes };
}

async function onlineTargets(config: CompiledConfig, jenkins: JenkinsHooks): Promise<Set<string>> {
  const online = new Set<string>();
  for (const t of config.targets) {
    if (jenkins.isTargetOnline === undefined || (await jenkins.isTargetOnline(t)))
      online.add(t.name);
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
async function refreshProviders(
  ctx: LauncherContext,
  names: readonly string[],
  refreshed: WeakMap<Provider, number>,
): Promise<void> {
  const now = Date.now();
  // All at once: each waits on its own provider's queue, and ten providers one after the
  // other held the first launch of a big pass back by half a second.
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      const p = ctx.provider(name);
      if (p === undefined || now - (refreshed.get(p) ?? -Infinity) < ctx.timing.intervalMs) return;
      refreshed.set(p, now);
      try {
        await p.refresh({ signal: ctx.signal });
      } catch (err) {
        ctx.log.warn({ err }, 'Cannot refresh provider %s: launching anyway', name);
      }
    }),
  );
}

/** How long a pass inserts rows before it lets the event loop take a turn. */
const PASS_SLICE_MS = 20;

/** Node rows inserted per statement by a pass: one statement of 64 takes about 2 ms. */
const INSERT_CHUNK = 64;

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
    /** Starts a node's deletion (ready-node policies); absent: they delete nothing. */
    deleteNode?: (nodeId: number, reason: string) => void;
  },
): Promise<PassResult> {
  const config = ctx.config();
  const db = ctx.db();
  const policies = ctx.policies;
  await policies?.beforePass(ctx);
  const labels = new Map(config.labels.map((l) => [l.name, l]));
  const providers = new Map(config.providers.map((p) => [p.name, p]));
  const targets = new Map(config.targets.map((t) => [t.name, t]));
  const { counts, nodes } = await nodeGroups(db);

  // Step 4: subnode deficits, before any new node. Only nodes of labels with subnodes are
  // read row by row.
  const subnodeLabels = config.labels.filter((l) => l.subnodes > 0).map((l) => l.name);
  const parents = subnodeLabels.length === 0 ? [] : await db.nodes.list({ labels: subnodeLabels });
  const tallies = await db.subnodes.tallyByParent(subnodeLabels);
  const statuses: SubnodeStatus[] = [];
  for (const n of parents) {
    const state = stateFromCode(n.state);
    if (state !== undefined)
      statuses.push({
        nodeId: n.id,
        label: n.labelName,
        state,
        activeSubnodes: tallies.get(n.id)?.active ?? 0,
      });
  }
  const byId = new Map(parents.map((n) => [n.id, n]));
  let subnodeLaunches = 0;
  for (const d of subnodeDeficits(config, statuses)) {
    const parent = byId.get(d.nodeId);
    const label = labels.get(d.label);
    const provider = parent && providers.get(parent.providerName);
    const target = parent && targets.get(parent.targetName);
    if (!parent || !label || !provider || !target) continue;
    const state = stateFromCode(parent.state);
    const group = counts.find(
      (c) =>
        c.provider === parent.providerName &&
        c.label === parent.labelName &&
        c.target === parent.targetName &&
        c.state === state,
    );
    for (let i = 0; i < d.count; i++) {
      const row = await db.subnodes.create({ nodeId: parent.id });
      // Counts toward the provider's use at once (it is a server being built).
      if (group) group.subnodes += 1;
      deps.starter.launchSubnode({
        nodeId: parent.id,
        subnodeId: row.id,
        label,
        provider,
        target,
        az: parent.az,
        manager: parent.managerName,
      });
      subnodeLaunches++;
    }
  }

  // Steps 5–6: demand, allocation, launches.
  const hasImage = new Set<string>();
  for (const label of config.labels) {
    for (const lp of label.providers) {
      if (!providers.has(lp.name)) continue;
      if (await currentCloudImage(ctx, label.image, lp.name))
        hasImage.add(`${label.image}\0${lp.name}`);
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
  // Beyond 0.4.0: effective min-ready of scheduled labels, stale and excess ready nodes.
  const ready = await applyReadyPolicies(ctx, {
    counts,
    gearmanDemand,
    ...(deps.deleteNode ? { deleteNode: deps.deleteNode } : {}),
  });
  const online = await onlineTargets(config, deps.jenkins);
  const isImaged = (image: string, provider: string): boolean =>
    hasImage.has(`${image}\0${provider}`);
  const plan = planLaunches(
    ready.config,
    { counts, gearmanDemand, onlineTargets: online },
    {
      history: deps.history,
      hasImage: isImaged,
      ...(policies ? { isUsable: policies.usable(ready.config, isImaged) } : {}),
    },
  );
  policies?.observe(ctx, { plan, counts, onlineTargets: online, hasImage: isImaged });
  for (const p of plan.demand.providers) {
    if (p.isOverAllocated)
      ctx.log.info(
        'Provider %s is over-allocated: max-servers %d, in use %d',
        p.name,
        p.maxServers,
        p.used,
      );
  }
  let launches = 0;
  await refreshProviders(
    ctx,
    plan.orders.map((o) => o.provider),
    deps.refreshed,
  );
  const full = await policies?.checkRoom(
    ctx,
    plan.orders.map((o) => o.provider),
  );
  const todo: Array<{
    label: CompiledLabel;
    provider: CompiledProvider;
    target: CompiledTarget;
    left: number;
  }> = [];
  for (const order of plan.orders) {
    // Its limits show no room: the next pass (woken) places this share elsewhere.
    if (full?.has(order.provider)) continue;
    const label = labels.get(order.label);
    const provider = providers.get(order.provider);
    const target = targets.get(order.target);
    if (!label || !provider || !target) continue;
    todo.push({ label, provider, target, left: order.count });
  }
  // Rows go in by chunks, each one statement, and each chunk's launches start at once.
  // The orders take turns, a chunk each, so every provider starts launching within the first
  // few chunks instead of waiting for the orders before it (thousands of rows in a big pass).
  let turnAt = performance.now();
  while (todo.some((o) => o.left > 0)) {
    for (const o of todo) {
      if (o.left === 0) continue;
      // An embedded database answers without a turn of the event loop: a turn every few
      // milliseconds lets the launch requests already handed to the other owners go over
      // while a pass of thousands of rows goes on.
      if (performance.now() - turnAt > PASS_SLICE_MS) {
        await nextTurn();
        turnAt = performance.now();
      }
      const n = Math.min(INSERT_CHUNK, o.left);
      o.left -= n;
      const rows = await db.nodes.createMany(
        Array.from({ length: n }, () => ({
          providerName: o.provider.name,
          labelName: o.label.name,
          targetName: o.target.name,
          az: pickAz(o.provider.availabilityZones),
        })),
      );
      for (const row of rows) {
        deps.starter.launch({
          nodeId: row.id,
          label: o.label,
          provider: o.provider,
          target: o.target,
          az: row.az,
        });
        launches++;
      }
    }
  }
  if (launches + subnodeLaunches > 0) ctx.gaugesChanged();
  return { launches, subnodeLaunches, nodes };
}
