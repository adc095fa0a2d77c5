/**
 * The pool policies beyond 0.4.0 that steer launches (docs/configuration.md "Beyond 0.4.0"):
 * quota failover, `launch-attempts` and the stuck-demand alarm, behind one object the
 * launcher context carries. The pass asks it which (label, provider) pairs allocation may
 * use and shows it what it saw; each launch tells it how it ended. Without the new keys in
 * nodepool.yaml and without quota trouble, it changes nothing the pass decides.
 */
import type { LaunchReport } from '../../cluster/index.js';
import type { CompiledConfig } from '../../config/index.js';
import { NodepoolError } from '../../errors.js';
import { ServerFailedError } from '../../provider/index.js';
import type { LaunchEnd, LauncherContext, PassView, PolicyHooks } from '../context.js';
import { LaunchFailover } from './launch-attempts.js';
import { QuotaGuard } from './quota.js';
import { StuckTracker } from './stuck.js';
import type { LabelObservation } from './stuck.js';

/** `launch-attempts` when a hand-built provider config has none. */
export const DEFAULT_LAUNCH_ATTEMPTS = 3;

/** A create refused for quota, by the cloud or by the provider's own limit check. */
export function isQuotaRefusal(err: unknown): boolean {
  if (err instanceof ServerFailedError) return err.fault?.class === 'quota';
  return err instanceof NodepoolError && err.code === 'ERR_PROVIDER_QUOTA';
}

/** What the launch policies need of a launch end: plain data, so it can cross ZooKeeper. */
export function launchReportOf(e: LaunchEnd): LaunchReport {
  const code = e.error instanceof NodepoolError ? e.error.code : undefined;
  const isQuota = e.result !== 'ready' && isQuotaRefusal(e.error);
  return {
    provider: e.provider,
    label: e.label,
    result: e.result,
    ...(code !== undefined ? { code } : {}),
    ...(isQuota
      ? { quotaRefusal: e.error instanceof Error ? e.error.message : String(e.error) }
      : {}),
  };
}

/**
 * The launcher's policy state; one per launcher, kept across reconfigures. In a cluster only
 * the leader's state steers allocation: the owners report their launch ends to it
 * (docs/cluster.md "Launch policies in a cluster").
 */
export class LaunchPolicies implements PolicyHooks {
  readonly quota = new QuotaGuard();
  readonly attempts = new LaunchFailover();
  readonly stuck = new StuckTracker();

  /** Before allocation: ends the quota episodes of providers whose limits show room. */
  async beforePass(ctx: LauncherContext): Promise<void> {
    await this.quota.recheck(ctx);
  }

  /**
   * The pairs allocation may link, on top of its image check: not a provider over quota,
   * not a provider the label has failed on `launch-attempts` times in a row while it has
   * another.
   */
  usable(
    config: CompiledConfig,
    hasImage: (image: string, provider: string) => boolean,
  ): (label: string, provider: string) => boolean {
    const providers = new Map(config.providers.map((p) => [p.name, p]));
    const avoided = new Map<string, Set<string>>();
    for (const l of config.labels) {
      const candidates = l.providers
        .map((p) => p.name)
        .filter((n) => providers.has(n) && hasImage(l.image, n) && !this.quota.isBlocked(n));
      avoided.set(
        l.name,
        this.attempts.avoided(
          l.name,
          candidates,
          (n) => providers.get(n)?.launchAttempts ?? DEFAULT_LAUNCH_ATTEMPTS,
        ),
      );
    }
    return (label, provider) =>
      !this.quota.isBlocked(provider) && !(avoided.get(label)?.has(provider) ?? false);
  }

  /** After allocation, before the creates: the providers among `names` with no quota room. */
  checkRoom(ctx: LauncherContext, names: Iterable<string>): Promise<Set<string>> {
    return this.quota.checkRoom(ctx, names);
  }

  /** Feeds the stuck-demand alarm with what the pass saw. */
  observe(ctx: LauncherContext, view: PassView): void {
    const config = ctx.config();
    const providers = new Map(config.providers.map((p) => [p.name, p]));
    const observations: LabelObservation[] = [];
    // By name: the plan may come from a config with effective min-ready values.
    const demand = new Map(view.plan.demand.labels.map((d) => [d.name, d]));
    config.labels.forEach((label) => {
      const d = demand.get(label.name);
      if (d === undefined) return;
      let building = 0;
      let buildingOnline = 0;
      for (const c of view.counts) {
        if (c.label !== label.name || c.state !== 'building') continue;
        building += c.nodes;
        if (view.onlineTargets.has(c.target)) buildingOnline += c.nodes;
      }
      const names = label.providers.map((p) => p.name).filter((n) => providers.has(n));
      const withUpload = names.filter((n) => view.hasImage(label.image, n));
      observations.push({
        label: label.name,
        need: d.isDisabled ? 0 : Math.max(0, d.gearman + d.minReady - (d.supply - buildingOnline)),
        hasRoom: d.capacity + building > 0,
        image: label.image,
        providers: names,
        withUpload,
        paused: withUpload.filter(
          (n) => this.quota.isBlocked(n) || (providers.get(n)?.maxServers ?? 0) < 0,
        ),
        hasOnlineTarget: view.onlineTargets.size > 0,
      });
    });
    this.stuck.observe(ctx, observations);
  }

  /** A launch ended here. */
  launchEnded(ctx: LauncherContext, e: LaunchEnd): void {
    this.applyReport(ctx, launchReportOf(e));
  }

  /** This launcher became or stopped being the leader. */
  leadershipChanged(ctx: LauncherContext): void {
    this.stuck.leadershipChanged(ctx);
  }

  /**
   * A launch ended, here or on another member: quota refusals start an episode, other
   * results count toward attempts.
   */
  applyReport(ctx: LauncherContext, e: LaunchReport): void {
    this.stuck.launchEnded(e.label, e.result, e.code);
    if (e.result !== 'ready' && e.quotaRefusal !== undefined) {
      this.quota.block(ctx, e.provider, `a create was refused: ${e.quotaRefusal}`);
      return;
    }
    this.attempts.ended(e.label, e.provider, e.result === 'ready');
    const limit =
      ctx.config().providers.find((p) => p.name === e.provider)?.launchAttempts ??
      DEFAULT_LAUNCH_ATTEMPTS;
    if (e.result !== 'ready' && this.attempts.count(e.label, e.provider) === limit) {
      ctx.log
        .child({ name: 'nodepool.LaunchAttempts' })
        .warn(
          { label: e.label, provider: e.provider },
          'Label %s failed %d launches in a row on provider %s (last: %s): its next nodes go to its other providers, if it has any',
          e.label,
          limit,
          e.provider,
          e.result,
        );
    }
  }
}
