/**
 * The stuck-demand alarm (docs/configuration.md "Beyond 0.4.0"): a label whose need (its
 * min-ready deficit or Zuul's queue, not counting nodes still building) has gone unmet for
 * `stuck-after` while one of its providers has room gets one WARNING naming the most likely
 * cause, the gauge `nodepool.label.<label>.stuck` at 1, a `/metrics` gauge and a status-page
 * banner; all cleared (one INFO, gauge 0) when the label is met. Fed once per pass with what
 * the pass saw; launch results come from the launches as they end.
 */
import type { Logger } from 'pino';
import { labelStuckGauge } from '../../stats/index.js';
import type { LauncherContext } from '../context.js';

/** What the pass saw of one label. */
export interface LabelObservation {
  readonly label: string;
  /** Nodes still needed, not counting nodes being built. */
  readonly need: number;
  /** Some provider of the label has room under `max-servers` (its own launches aside). */
  readonly hasRoom: boolean;
  /** The label's image and configured providers, and the providers with a ready upload. */
  readonly image: string;
  readonly providers: readonly string[];
  readonly withUpload: readonly string[];
  /** Providers with an upload that take no launch: over quota or `max-servers` < 0. */
  readonly paused: readonly string[];
  /** Some target is online. */
  readonly hasOnlineTarget: boolean;
}

/** The result of one finished launch of a label. */
interface LaunchResult {
  readonly result: string;
  readonly code?: string;
}

const RECENT = 10;

/** Per-label unmet-need timers, recent launch results and alarms. */
export class StuckTracker {
  private readonly unmetSince = new Map<string, number>();
  private readonly recent = new Map<string, LaunchResult[]>();
  private readonly alarms = new Map<string, string>();
  /** The gauge value last sent per label; emptied when this launcher becomes leader. */
  private readonly sent = new Map<string, number>();

  /** Records a finished launch (`ready` or an error key, with the error's code). */
  launchEnded(label: string, result: string, code?: string): void {
    const list = this.recent.get(label) ?? [];
    list.push({ result, ...(code !== undefined ? { code } : {}) });
    if (list.length > RECENT) list.shift();
    this.recent.set(label, list);
  }

  /**
   * Leadership changed: the alarm's timers, recent results and banners of a former term are
   * dropped (the leader of the new term owns them), and the next {@link observe} sends the
   * gauge of every label, so a 1 left by another process or term is reset.
   */
  leadershipChanged(ctx: LauncherContext): void {
    for (const label of this.alarms.keys()) ctx.activity.policies.setStuck(label, null);
    this.unmetSince.clear();
    this.recent.clear();
    this.alarms.clear();
    this.sent.clear();
  }

  /** Whether the alarm is on for `label`. */
  isStuck(label: string): boolean {
    return this.alarms.has(label);
  }

  /** Updates timers and alarms from one pass; forgets labels no longer configured. */
  observe(ctx: LauncherContext, observations: readonly LabelObservation[]): void {
    const now = ctx.clock?.now() ?? Date.now();
    const stuckAfterMs = ctx.config().stuckAfterMs;
    const seen = new Set<string>();
    for (const o of observations) {
      seen.add(o.label);
      if (o.need <= 0) {
        this.clear(ctx, o.label, 'its need is met');
        continue;
      }
      const since = this.unmetSince.get(o.label) ?? now;
      if (!this.unmetSince.has(o.label)) {
        this.unmetSince.set(o.label, now);
        this.recent.delete(o.label); // only launches since the need appeared count
      }
      if (this.alarms.has(o.label)) {
        // Still stuck: the banner and /alarms follow the cause, the log does not repeat.
        const current = this.causeOf(o);
        this.alarms.set(o.label, current.cause);
        ctx.activity.policies.setStuck(o.label, { label: o.label, since, ...current });
        continue;
      }
      if (!o.hasRoom || now - since < stuckAfterMs) continue;
      const { cause, message } = this.causeOf(o);
      this.alarms.set(o.label, cause);
      log(ctx).warn(
        { label: o.label, cause, need: o.need },
        'Label %s is stuck: %d nodes needed for %d s while a provider has room; likely cause: %s',
        o.label,
        o.need,
        Math.round((now - since) / 1000),
        message,
      );
      ctx.activity.policies.setStuck(o.label, { label: o.label, since, cause, message });
    }
    for (const label of [...this.unmetSince.keys()])
      if (!seen.has(label)) this.clear(ctx, label, 'it is no longer configured');
    for (const [label, value] of [...this.sent])
      if (!seen.has(label)) {
        if (value !== 0) ctx.stats.gauge(labelStuckGauge(label), 0);
        this.sent.delete(label);
      }
    // Sent when it changes, and for every label at the first pass of a leader's term.
    for (const label of seen) {
      const value = this.alarms.has(label) ? 1 : 0;
      if (this.sent.get(label) === value) continue;
      ctx.stats.gauge(labelStuckGauge(label), value);
      this.sent.set(label, value);
    }
  }

  private clear(ctx: LauncherContext, label: string, why: string): void {
    this.unmetSince.delete(label);
    this.recent.delete(label);
    if (!this.alarms.delete(label)) return;
    log(ctx).info({ label }, 'Label %s is no longer stuck: %s', label, why);
    ctx.activity.policies.setStuck(label, null);
  }

  /** The most likely cause, checked from the most basic up. */
  causeOf(o: LabelObservation): { cause: string; message: string } {
    if (o.withUpload.length === 0)
      return {
        cause: 'no-upload',
        message: `no ready upload of image "${o.image}" in any of its providers (${o.providers.join(', ')})`,
      };
    if (!o.hasOnlineTarget) return { cause: 'target-offline', message: 'every target is offline' };
    if (o.paused.length === o.withUpload.length)
      return {
        cause: 'provider-paused',
        message: `every provider with an upload is paused or over quota (${o.paused.join(', ')})`,
      };
    const recent = this.recent.get(o.label) ?? [];
    const last = recent[recent.length - 1];
    if (last !== undefined && recent.every((r) => r.result !== 'ready'))
      return {
        cause: 'launch-failures',
        message: `every recent launch failed (${recent.length}), the last with ${last.result}${last.code !== undefined ? ` (${last.code})` : ''}`,
      };
    return {
      cause: 'unknown',
      message: 'no launch failed and nothing else is known to block it: see the launcher log',
    };
  }
}

function log(ctx: LauncherContext): Logger {
  return ctx.log.child({ name: 'nodepool.StuckDemand' });
}
