/**
 * What the pool policies beyond 0.4.0 report to the web app: quota episodes per provider
 * (a counter and whether one is under way) and the labels the stuck-demand alarm fires for.
 * The launcher writes it as it logs and sends statsd; `/metrics` and the status page read it.
 */

/** A label whose need has gone unmet too long (docs/configuration.md "Beyond 0.4.0"). */
export interface StuckLabel {
  readonly label: string;
  /** When its need was first seen unmet (epoch ms). */
  readonly since: number;
  /** Cause key: `no-upload`, `target-offline`, `provider-paused`, `launch-failures`, `unknown`. */
  readonly cause: string;
  /** The cause as a sentence, as logged. */
  readonly message: string;
}

/** A copy of the policy state for one request. */
export interface PolicyAlarms {
  /** Quota episodes started, per provider. */
  readonly quotaExceeded: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
  }[];
  /** Providers now skipped for quota. */
  readonly overQuota: readonly string[];
  /** Labels now stuck, in the order they became stuck. */
  readonly stuck: readonly StuckLabel[];
}

/** The policy state of one nodepoold process. */
export class PolicyStatus {
  private readonly episodes = new Map<string, number>();
  private readonly over = new Set<string>();
  private readonly stuck = new Map<string, StuckLabel>();

  /** A quota episode of `provider` starts (true) or ends (false). */
  setOverQuota(provider: string, isOver: boolean): void {
    if (isOver && !this.over.has(provider))
      this.episodes.set(provider, (this.episodes.get(provider) ?? 0) + 1);
    if (isOver) this.over.add(provider);
    else this.over.delete(provider);
  }

  /** The label is stuck (with its cause) or no longer (null). */
  setStuck(label: string, info: StuckLabel | null): void {
    if (info === null) this.stuck.delete(label);
    else this.stuck.set(label, info);
  }

  snapshot(): PolicyAlarms {
    return {
      quotaExceeded: [...this.episodes].map(([provider, value]) => ({
        labels: { provider },
        value,
      })),
      overQuota: [...this.over],
      stuck: [...this.stuck.values()],
    };
  }
}
