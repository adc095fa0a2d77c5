/**
 * Quota arithmetic (an improvement over 0.4.0, which never looked at cloud quota): the cloud's
 * absolute limits against what the project uses, counted from the server list plus creates
 * nodepool has in flight. Pure functions and a memo of each server list's usage; the provider
 * supplies the inputs.
 */
import type { QuotaInfo } from '../driver.js';
import type { NovaAbsoluteLimits, NovaFlavor, NovaServer } from './nova.js';

/** The resources one server takes. */
export interface ServerCost {
  instances: number;
  cores: number;
  ramMb: number;
}

/** Cost of one server of `flavor` (unknown flavor: one instance, no cores or RAM). */
export function costOf(flavor: Pick<NovaFlavor, 'vcpus' | 'ram'> | undefined): ServerCost {
  return { instances: 1, cores: flavor?.vcpus ?? 0, ramMb: flavor?.ram ?? 0 };
}

/** `a + b`, resource by resource. */
export function addCost(a: ServerCost, b: ServerCost): ServerCost {
  return {
    instances: a.instances + b.instances,
    cores: a.cores + b.cores,
    ramMb: a.ramMb + b.ramMb,
  };
}

/** `a - b`, resource by resource. */
export function subtractCost(a: ServerCost, b: ServerCost): ServerCost {
  return addCost(a, { instances: -b.instances, cores: -b.cores, ramMb: -b.ramMb });
}

/** The zero cost. */
export const NO_COST: ServerCost = Object.freeze({ instances: 0, cores: 0, ramMb: 0 });

/**
 * The quota view: limits from Nova, usage = the larger of Nova's own `total*Used` and `listed`
 * (the server list, each server priced by its flavor), plus `pending` (creates in flight and
 * servers created but not listed yet).
 */
export function quotaInfo(
  limits: NovaAbsoluteLimits,
  listed: ServerCost,
  pending: ServerCost,
): QuotaInfo {
  const lim = (k: string): number => (typeof limits[k] === 'number' ? limits[k] : -1);
  return {
    maxInstances: lim('maxTotalInstances'),
    maxCores: lim('maxTotalCores'),
    maxRamMb: lim('maxTotalRAMSize'),
    usedInstances:
      Math.max(limits['totalInstancesUsed'] ?? 0, listed.instances) + pending.instances,
    usedCores: Math.max(limits['totalCoresUsed'] ?? 0, listed.cores) + pending.cores,
    usedRamMb: Math.max(limits['totalRAMUsed'] ?? 0, listed.ramMb) + pending.ramMb,
  };
}

/** What one server list holds: its server ids and their summed cost. */
export interface ListedUsage {
  ids: ReadonlySet<string>;
  cost: ServerCost;
}

/**
 * The usage of each server list, worked out once per list and flavor list: a list is fetched
 * every few seconds, but every create checks the quota against it (hundreds a second in a
 * busy pool, each over thousands of servers).
 */
export class ListedUsageCache {
  private readonly memo = new WeakMap<
    readonly NovaServer[],
    { flavors: readonly NovaFlavor[]; usage: ListedUsage }
  >();

  of(list: readonly NovaServer[], flavors: readonly NovaFlavor[]): ListedUsage {
    const hit = this.memo.get(list);
    if (hit !== undefined && hit.flavors === flavors) return hit.usage;
    const byId = new Map(flavors.map((f) => [f.id, f]));
    const ids = new Set<string>();
    let cost = NO_COST;
    for (const s of list) {
      ids.add(s.id);
      cost = addCost(cost, costOf(byId.get(s.flavor?.id ?? '')));
    }
    const usage = { ids, cost };
    this.memo.set(list, { flavors, usage });
    return usage;
  }
}

/**
 * The first limit `want` would exceed, as a sentence for the error message, or null when it
 * fits. A limit of -1 is unlimited.
 */
export function quotaShortfall(q: QuotaInfo, want: ServerCost): string | null {
  const checks: Array<[string, number, number, number, string]> = [
    ['instances', q.maxInstances, q.usedInstances, want.instances, ''],
    ['cores', q.maxCores, q.usedCores, want.cores, ''],
    ['RAM', q.maxRamMb, q.usedRamMb, want.ramMb, ' MB'],
  ];
  for (const [what, max, used, need, unit] of checks) {
    if (max >= 0 && used + need > max) {
      return `the ${what} quota of ${max}${unit} would be exceeded: ${used}${unit} in use, ${need}${unit} more needed`;
    }
  }
  return null;
}

/**
 * Servers created lately, which a server list may not show yet: their summed cost outside
 * a list is counted as in use. The sum is kept per list as creates are answered, not summed
 * anew at every quota check: each create checks the quota, and a provider creating 100
 * servers a second holds hundreds of recent ones between two lists.
 */
export class RecentCreates {
  private readonly byId = new Map<string, { cost: ServerCost; at: number }>();
  /** The cost of the recent servers missing from the list whose ids are `ids`. */
  private memo: { ids: ReadonlySet<string>; cost: ServerCost } | null = null;

  /** A server created at clock time `at`. */
  add(id: string, cost: ServerCost, at: number): void {
    this.delete(id);
    this.byId.set(id, { cost, at });
    if (this.memo !== null && !this.memo.ids.has(id))
      this.memo = { ids: this.memo.ids, cost: addCost(this.memo.cost, cost) };
  }

  delete(id: string): void {
    if (this.byId.delete(id)) this.memo = null;
  }

  /** Forgets the servers created at or before `t` (a list started after `t` shows them, or they are gone). */
  forgetUntil(t: number): void {
    for (const [id, r] of this.byId) if (r.at <= t) this.delete(id);
  }

  /** The summed cost of the recent servers that `listed` does not show. */
  unlisted(listed: ListedUsage): ServerCost {
    if (this.memo?.ids !== listed.ids) {
      let cost = NO_COST;
      for (const [id, r] of this.byId) if (!listed.ids.has(id)) cost = addCost(cost, r.cost);
      this.memo = { ids: listed.ids, cost };
    }
    return this.memo.cost;
  }

  get size(): number {
    return this.byId.size;
  }
}
