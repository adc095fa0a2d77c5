/**
 * `launch-attempts` (docs/configuration.md "Beyond 0.4.0"): failed launches of one label in a
 * row on one provider. Once a provider reaches its `launch-attempts`, the label's next nodes
 * go to its other providers; the count starts again when a node of the label becomes ready
 * anywhere. A label with no other usable provider keeps 0.4.0's behaviour: it is retried on
 * the same provider at every pass.
 */

/** Consecutive launch failures per (label, provider). */
export class LaunchFailover {
  private readonly failures = new Map<string, Map<string, number>>();

  /** Records a finished launch: `ready` clears the label's counts, a failure adds one. */
  ended(label: string, provider: string, isReady: boolean): void {
    if (isReady) {
      this.failures.delete(label);
      return;
    }
    let byProvider = this.failures.get(label);
    if (byProvider === undefined)
      this.failures.set(label, (byProvider = new Map<string, number>()));
    byProvider.set(provider, (byProvider.get(provider) ?? 0) + 1);
  }

  /** Failures in a row of `label` on `provider`. */
  count(label: string, provider: string): number {
    return this.failures.get(label)?.get(provider) ?? 0;
  }

  /**
   * The providers among `candidates` that `label` should avoid: those at their attempts,
   * unless that would leave none, in which case none is avoided.
   */
  avoided(
    label: string,
    candidates: readonly string[],
    attemptsOf: (provider: string) => number,
  ): Set<string> {
    const out = new Set(candidates.filter((p) => this.count(label, p) >= attemptsOf(p)));
    return out.size === candidates.length ? new Set() : out;
  }
}
