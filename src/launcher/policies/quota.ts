/**
 * Quota failover (docs/configuration.md "Beyond 0.4.0"): a provider that refused a create for
 * quota, or whose absolute limits show no room, is skipped by allocation, so its share of
 * every label's demand goes to the label's other providers. It comes back when a later read
 * of its limits (at most one per loop interval) shows room. One WARNING starts an episode,
 * one INFO ends it; each episode counts once in statsd and on `/metrics`.
 */
import type { Logger } from 'pino';
import type { QuotaInfo } from '../../provider/index.js';
import { providerQuotaExceededMetric } from '../../stats/index.js';
import type { LauncherContext } from '../context.js';

/** True when no limit of `q` is used up (-1 is unlimited). */
export function hasQuotaRoom(q: QuotaInfo): boolean {
  const pairs: Array<[number, number]> = [
    [q.maxInstances, q.usedInstances],
    [q.maxCores, q.usedCores],
    [q.maxRamMb, q.usedRamMb],
  ];
  return pairs.every(([max, used]) => max < 0 || used < max);
}

function describeQuota(q: QuotaInfo): string {
  return `instances ${q.usedInstances} of ${q.maxInstances}, cores ${q.usedCores} of ${q.maxCores}, RAM ${q.usedRamMb} of ${q.maxRamMb} MB`;
}

/** Which providers are skipped for quota, and when their limits were last read. */
export class QuotaGuard {
  private readonly blocked = new Map<string, { since: number; reason: string }>();
  private readonly readAt = new Map<string, number>();

  /** Whether allocation skips `provider`. */
  isBlocked(provider: string): boolean {
    return this.blocked.has(provider);
  }

  /** Why `provider` is skipped, or undefined. */
  reasonOf(provider: string): string | undefined {
    return this.blocked.get(provider)?.reason;
  }

  /** Starts an episode (no-op when one is under way). */
  block(ctx: LauncherContext, provider: string, reason: string): void {
    if (this.blocked.has(provider)) return;
    const now = nowOf(ctx);
    this.blocked.set(provider, { since: now, reason });
    // The limits are read again one interval from now, not at once.
    this.readAt.set(provider, now);
    log(ctx).warn(
      { provider },
      'Provider %s is over quota (%s): skipping it, its share of demand goes to the other providers of each label until its limits show room',
      provider,
      reason,
    );
    ctx.stats.increment(providerQuotaExceededMetric(provider));
    ctx.activity.policies.setOverQuota(provider, true);
    ctx.wake();
  }

  private unblock(ctx: LauncherContext, provider: string, why: string): void {
    const episode = this.blocked.get(provider);
    if (episode === undefined) return;
    this.blocked.delete(provider);
    ctx.activity.policies.setOverQuota(provider, false);
    log(ctx).info(
      { provider },
      'Provider %s is no longer over quota after %d s (%s): launching there again',
      provider,
      Math.round((nowOf(ctx) - episode.since) / 1000),
      why,
    );
  }

  /**
   * Reads the limits of each skipped provider again (once per loop interval each) and ends
   * the episodes of those with room; forgets providers no longer configured.
   */
  async recheck(ctx: LauncherContext): Promise<void> {
    const configured = new Set(ctx.config().providers.map((p) => p.name));
    for (const name of [...this.blocked.keys()]) {
      if (!configured.has(name)) {
        this.unblock(ctx, name, 'no longer configured');
        continue;
      }
      const q = await this.read(ctx, name, true);
      if (q !== null && hasQuotaRoom(q)) this.unblock(ctx, name, describeQuota(q));
    }
  }

  /**
   * Reads the limits of providers about to launch (once per loop interval each) and starts
   * an episode for each with no room; returns the providers now skipped among `names`.
   */
  async checkRoom(ctx: LauncherContext, names: Iterable<string>): Promise<Set<string>> {
    const full = new Set<string>();
    for (const name of new Set(names)) {
      if (!this.blocked.has(name)) {
        const q = await this.read(ctx, name, false);
        if (q !== null && !hasQuotaRoom(q)) this.block(ctx, name, `limits: ${describeQuota(q)}`);
      }
      if (this.blocked.has(name)) full.add(name);
    }
    return full;
  }

  /** The provider's quota view, or null when not due or unreadable. */
  private async read(
    ctx: LauncherContext,
    name: string,
    isRefreshed: boolean,
  ): Promise<QuotaInfo | null> {
    const now = nowOf(ctx);
    const p = ctx.provider(name);
    if (p === undefined || now - (this.readAt.get(name) ?? -Infinity) < ctx.timing.intervalMs)
      return null;
    this.readAt.set(name, now);
    try {
      if (isRefreshed) await p.refresh({ signal: ctx.signal });
      return await p.getQuota({ signal: ctx.signal });
    } catch (err) {
      log(ctx).warn({ err, provider: name }, 'Cannot read the limits of provider %s', name);
      return null;
    }
  }
}

function nowOf(ctx: LauncherContext): number {
  return ctx.clock?.now() ?? Date.now();
}

function log(ctx: LauncherContext): Logger {
  return ctx.log.child({ name: 'nodepool.QuotaFailover' });
}
