/**
 * The node gauges (docs/behaviour.md#statsd): `nodepool.nodes.<state>` and the target/manager, label and
 * provider variants, plus `max_servers` per provider. Every key of a configured target,
 * label and provider is sent, zeros included.
 *
 * Fix (docs/behaviour.md#statsd, docs/behaviour.md#where-we-differ-from-040): upstream threw when a node's label, target or provider was no
 * longer configured, which aborted the launch or deletion that asked for the update. Here
 * such a node is counted under its recorded names (1 + 0 subnodes when its label is gone).
 */
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { NodeRecord, RepoPorts } from '../db/index.js';
import { stateFromCode } from '../db/index.js';
import {
  NODE_STATES,
  labelNodesGauge,
  managerNodesGauge,
  nodesGauge,
  providerMaxServersGauge,
  providerNodesGauge,
  targetNodesGauge,
} from '../stats/index.js';
import type { NodeStateName, Stats } from '../stats/index.js';

/** Nodes sharing a state, label, target, provider and manager; `count` of them (default 1). */
export type GaugeNodes = Pick<
  NodeRecord,
  'state' | 'labelName' | 'targetName' | 'providerName' | 'managerName'
> & { readonly count?: number };

/** Every gauge value for the given nodes (or groups of nodes), in the order they are sent. */
export function computeGauges(
  config: Pick<CompiledConfig, 'labels' | 'targets' | 'providers'>,
  nodes: Iterable<GaugeNodes>,
): Map<string, number> {
  const out = new Map<string, number>();
  const zero = (key: (name: string, s: NodeStateName) => string, name: string): void => {
    for (const s of NODE_STATES) if (!out.has(key(name, s))) out.set(key(name, s), 0);
  };
  for (const s of NODE_STATES) out.set(nodesGauge(s), 0);
  for (const t of config.targets) zero(targetNodesGauge, t.name);
  for (const l of config.labels) zero(labelNodesGauge, l.name);
  for (const p of config.providers) zero(providerNodesGauge, p.name);
  const subnodes = new Map(config.labels.map((l) => [l.name, l.subnodes]));
  const add = (key: string, n: number): void => {
    out.set(key, (out.get(key) ?? 0) + n);
  };
  for (const node of nodes) {
    const state = stateFromCode(node.state);
    if (state === undefined) continue;
    const n = (1 + (subnodes.get(node.labelName) ?? 0)) * (node.count ?? 1);
    add(nodesGauge(state), n);
    if (node.managerName !== null && node.managerName !== '') {
      zero(managerNodesGauge, node.managerName);
      add(managerNodesGauge(node.managerName, state), n);
    } else {
      zero(targetNodesGauge, node.targetName);
      add(targetNodesGauge(node.targetName, state), n);
    }
    zero(labelNodesGauge, node.labelName);
    add(labelNodesGauge(node.labelName, state), n);
    zero(providerNodesGauge, node.providerName);
    add(providerNodesGauge(node.providerName, state), n);
  }
  for (const p of config.providers) out.set(providerMaxServersGauge(p.name), p.maxServers);
  return out;
}

/**
 * The node groups the gauges count, in one `GROUP BY` (a pool of 10,000 nodes is a few
 * dozen rows, not 10,000 row objects per update).
 */
export async function gaugeGroups(db: RepoPorts): Promise<GaugeNodes[]> {
  const groups = await db.nodes.countBy(['state', 'label', 'target', 'provider', 'manager']);
  return groups.map((g) => ({
    state: g.state ?? null,
    labelName: g.label ?? '',
    targetName: g.target ?? '',
    providerName: g.provider ?? '',
    managerName: g.manager ?? null,
    count: g.count,
  }));
}

/**
 * Which gauges this launcher sends when several share the database (issue #15): the
 * provider gauges of the providers it owns, the others (global, target, label) on the
 * leader only; the leader also sends those of providers no longer configured.
 */
export interface GaugeScope {
  isLeader(): boolean;
  owns(provider: string): boolean;
}

/** Every gauge, one launcher alone. */
const EVERYTHING: GaugeScope = { isLeader: () => true, owns: () => true };

/** The gauges of `all` that `scope` sends. */
export function scopeGauges(
  all: ReadonlyMap<string, number>,
  config: Pick<CompiledConfig, 'providers'>,
  nodes: Iterable<GaugeNodes>,
  scope: GaugeScope,
): Map<string, number> {
  const configured = new Set(config.providers.map((p) => p.name));
  const providerOf = new Map<string, string>();
  for (const p of new Set([...configured, ...[...nodes].map((n) => n.providerName)])) {
    providerOf.set(providerMaxServersGauge(p), p);
    for (const state of NODE_STATES) providerOf.set(providerNodesGauge(p, state), p);
  }
  const isLeader = scope.isLeader();
  const out = new Map<string, number>();
  for (const [key, value] of all) {
    const p = providerOf.get(key);
    const sends = p === undefined ? isLeader : scope.owns(p) || (isLeader && !configured.has(p));
    if (sends) out.set(key, value);
  }
  return out;
}

/**
 * Sends the gauges after node changes, coalesced: at most one update runs at a time, and
 * changes during an update cause exactly one more.
 */
export class GaugeReporter {
  private running: Promise<void> | null = null;
  private dirty = false;

  constructor(
    private readonly stats: Stats,
    private readonly read: () => Promise<{ config: CompiledConfig; nodes: Iterable<GaugeNodes> }>,
    private readonly log: Logger,
    private readonly scope: GaugeScope = EVERYTHING,
  ) {}

  /** Asks for an update (no-op when statsd is off). */
  changed(): void {
    if (!this.stats.isEnabled) return;
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no update is pending. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        const { config, nodes } = await this.read();
        const groups = [...nodes];
        const all = computeGauges(config, groups);
        for (const [key, value] of scopeGauges(all, config, groups, this.scope))
          this.stats.gauge(key, value);
      } catch (err) {
        this.log.warn({ err }, 'Cannot update node gauges');
      }
    }
  }
}
