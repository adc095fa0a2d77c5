/**
 * Per-label demand and per-provider capacity for one pass (docs/behaviour.md#demand, docs/behaviour.md#allocation, docs/behaviour.md#removing-a-provider).
 *
 * Pure: the launcher reads node counts from the database and the Gearman queue elsewhere and
 * hands them in as plain values. Lists come out in config file order.
 */
import type { CompiledLabel, CompiledProvider, CompiledTarget } from '../../config/index.js';

/** Node state names as stored (by integer code) in `node.state` (docs/behaviour.md#node-states). */
export type NodeStateName = 'building' | 'ready' | 'used' | 'delete' | 'hold' | 'test';

/** States that count as supply for a label's demand: everything but `delete` and `hold`. */
const SUPPLY_STATES: ReadonlySet<NodeStateName> = new Set(['building', 'ready', 'used', 'test']);

/** Node rows sharing one (provider, label, target, state), e.g. one row of a `GROUP BY`. */
export interface NodeCount {
  readonly provider: string;
  readonly label: string;
  readonly target: string;
  readonly state: NodeStateName;
  /** Number of node rows. */
  readonly nodes: number;
  /** Number of subnode rows (any state) belonging to those nodes. */
  readonly subnodes: number;
}

/** One node row as far as demand is concerned; see {@link countNodes}. */
export interface NodeSummary {
  readonly provider: string;
  readonly label: string;
  readonly target: string;
  readonly state: NodeStateName;
  /** Number of its subnode rows, any state. */
  readonly subnodes: number;
}

/** The parts of the compiled config demand depends on; a `CompiledConfig` fits. */
export interface DemandConfig {
  readonly providers: readonly Pick<CompiledProvider, 'name' | 'maxServers'>[];
  readonly labels: readonly Pick<CompiledLabel, 'name' | 'minReady' | 'subnodes' | 'providers'>[];
  readonly targets: readonly Pick<CompiledTarget, 'name'>[];
}

/** What the launcher observed this pass. */
export interface DemandInput {
  /** Every node row of the database, grouped; see {@link countNodes}. */
  readonly counts: Iterable<NodeCount>;
  /** Queued Zuul jobs per label (docs/behaviour.md#gearman-and-zuul); labels not configured are ignored. @default none */
  readonly gearmanDemand?: ReadonlyMap<string, number>;
  /** Names of the online targets (docs/behaviour.md#applying-a-new-configuration). @default every configured target */
  readonly onlineTargets?: ReadonlySet<string>;
}

/** Capacity of one provider this pass (docs/behaviour.md#allocation). */
export interface ProviderCapacity {
  readonly name: string;
  readonly maxServers: number;
  /** Node rows of the provider (any state, any target) plus all their subnode rows. */
  readonly used: number;
  /** `maxServers - used`, or 0 when that is negative. */
  readonly available: number;
  /** `used` exceeds `maxServers` while the provider is not draining: worth a warning. */
  readonly isOverAllocated: boolean;
  /** `max-servers` is negative: the provider is being removed and gets no new nodes (docs/behaviour.md#removing-a-provider). */
  readonly isDraining: boolean;
}

/** Demand of one label this pass, with the figures it came from (for the debug log). */
export interface LabelDemand {
  readonly name: string;
  /** Queued Gearman jobs for the label. */
  readonly gearman: number;
  readonly minReady: number;
  /** Nodes on online targets in building, ready, used or test. */
  readonly supply: number;
  /** Σ `available` of the label's configured providers, with or without an image. */
  readonly capacity: number;
  /** `max(0, gearman - supply)`. */
  readonly actual: number;
  /** `max(0, gearman + minReady - supply)`. */
  readonly extra: number;
  /** Nodes to request: `extra` when it fits in `capacity`, else `actual`; 0 when disabled. */
  readonly demand: number;
  /** `min-ready` is negative: the label asks for nothing, whatever Zuul queues. */
  readonly isDisabled: boolean;
}

/** Node rows (any state) of each label on one online target: the allocator's `current`. */
export interface TargetLoad {
  readonly name: string;
  readonly current: ReadonlyMap<string, number>;
}

/** Result of {@link computeDemand}; every list in config order. */
export interface DemandResult {
  readonly providers: readonly ProviderCapacity[];
  readonly labels: readonly LabelDemand[];
  /** Online targets only. */
  readonly targets: readonly TargetLoad[];
}

/** Groups node rows by (provider, label, target, state), as a SQL `GROUP BY` would. */
export function countNodes(nodes: Iterable<NodeSummary>): NodeCount[] {
  type Group = { -readonly [K in keyof NodeCount]: NodeCount[K] };
  type ByState = Map<NodeStateName, Group>;
  type ByTarget = Map<string, ByState>;
  type ByLabel = Map<string, ByTarget>;
  // Nested maps rather than a joined string key: no string is built per row, which keeps a
  // pass over 10,000 nodes cheap.
  const byProvider = new Map<string, ByLabel>();
  const groups: Group[] = [];
  for (const n of nodes) {
    const byLabel = getOrCreate(byProvider, n.provider, (): ByLabel => new Map());
    const byTarget = getOrCreate(byLabel, n.label, (): ByTarget => new Map());
    const byState = getOrCreate(byTarget, n.target, (): ByState => new Map());
    const group = byState.get(n.state);
    if (group === undefined) {
      const created: Group = {
        provider: n.provider,
        label: n.label,
        target: n.target,
        state: n.state,
        nodes: 1,
        subnodes: n.subnodes,
      };
      byState.set(n.state, created);
      groups.push(created);
    } else {
      group.nodes += 1;
      group.subnodes += n.subnodes;
    }
  }
  return groups;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/**
 * Computes provider capacity, per-label demand and per-target load for one pass.
 *
 * Demand follows upstream's formula (docs/behaviour.md#demand), including its all-or-nothing treatment of
 * `min-ready`: the min-ready shortfall is only asked for when it fits entirely in the
 * label's capacity; otherwise only the real Gearman backlog is.
 *
 * Decision on `min-ready: -1` (documented upstream as "disabled" but not special-cased
 * there, where it merely lowered the Gearman demand by one): any negative `min-ready`
 * disables the label, which then asks for 0 nodes even when Zuul queues jobs for it.
 */
export function computeDemand(config: DemandConfig, input: DemandInput): DemandResult {
  const online = input.onlineTargets ?? new Set(config.targets.map((t) => t.name));
  const usedByProvider = new Map<string, number>();
  const supplyByLabel = new Map<string, number>();
  const currentByTarget = new Map<string, Map<string, number>>();
  for (const t of config.targets) {
    if (online.has(t.name)) currentByTarget.set(t.name, new Map());
  }
  for (const c of input.counts) {
    addTo(usedByProvider, c.provider, c.nodes + c.subnodes);
    const current = currentByTarget.get(c.target);
    if (current === undefined) continue; // offline or unknown target: capacity only
    addTo(current, c.label, c.nodes);
    if (SUPPLY_STATES.has(c.state)) addTo(supplyByLabel, c.label, c.nodes);
  }

  const providers = config.providers.map((p) => providerCapacity(p, usedByProvider));
  const availableByName = new Map<string, number>();
  for (const p of providers) {
    if (!availableByName.has(p.name)) availableByName.set(p.name, p.available);
  }
  const labels = config.labels.map((label) =>
    labelDemand(label, {
      gearman: input.gearmanDemand?.get(label.name) ?? 0,
      supply: supplyByLabel.get(label.name) ?? 0,
      availableByName,
    }),
  );
  const targets = [...currentByTarget].map(([name, current]) => ({ name, current }));
  return { providers, labels, targets };
}

function providerCapacity(
  p: Pick<CompiledProvider, 'name' | 'maxServers'>,
  usedByProvider: ReadonlyMap<string, number>,
): ProviderCapacity {
  const used = usedByProvider.get(p.name) ?? 0;
  const free = p.maxServers - used;
  const isDraining = p.maxServers < 0;
  return {
    name: p.name,
    maxServers: p.maxServers,
    used,
    available: free > 0 ? free : 0,
    isOverAllocated: free < 0 && !isDraining,
    isDraining,
  };
}

function labelDemand(
  label: Pick<CompiledLabel, 'name' | 'minReady' | 'providers'>,
  seen: { gearman: number; supply: number; availableByName: ReadonlyMap<string, number> },
): LabelDemand {
  const { gearman, supply } = seen;
  let capacity = 0;
  // Providers of a label are unique by name upstream (a dict); tolerate repeats here.
  for (const name of new Set(label.providers.map((p) => p.name))) {
    capacity += seen.availableByName.get(name) ?? 0;
  }
  const actual = Math.max(0, gearman - supply);
  const extra = Math.max(0, gearman + label.minReady - supply);
  const isDisabled = label.minReady < 0;
  const demand = isDisabled ? 0 : extra <= capacity ? extra : actual;
  return {
    name: label.name,
    gearman,
    minReady: label.minReady,
    supply,
    capacity,
    actual,
    extra,
    demand,
    isDisabled,
  };
}

function addTo(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** A primary node and how many of its subnodes are alive, for {@link subnodeDeficits}. */
export interface SubnodeStatus {
  readonly nodeId: number;
  readonly label: string;
  readonly state: NodeStateName;
  /** Its subnode rows whose state is not `delete`. */
  readonly activeSubnodes: number;
}

/** Subnodes to launch for one primary node. */
export interface SubnodeDeficit {
  readonly nodeId: number;
  readonly label: string;
  /** Always > 0. */
  readonly count: number;
}

/**
 * Lists the subnodes to launch before any new node (docs/behaviour.md#one-pass): for each node whose
 * label is still configured, the label's `subnodes` minus its live subnodes.
 *
 * Deliberate change from upstream 0.4.0, which also refilled nodes in state `delete`: such
 * a parent is being torn down (its subnodes go first), so refilling it only leaks servers.
 */
export function subnodeDeficits(
  config: Pick<DemandConfig, 'labels'>,
  nodes: Iterable<SubnodeStatus>,
): SubnodeDeficit[] {
  const wanted = new Map<string, number>();
  for (const label of config.labels) {
    if (!wanted.has(label.name)) wanted.set(label.name, label.subnodes);
  }
  const deficits: SubnodeDeficit[] = [];
  for (const node of nodes) {
    const expected = wanted.get(node.label);
    if (expected === undefined || node.state === 'delete') continue;
    const count = expected - node.activeSubnodes;
    if (count > 0) deficits.push({ nodeId: node.nodeId, label: node.label, count });
  }
  return deficits;
}
