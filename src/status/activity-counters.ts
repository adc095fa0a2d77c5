/**
 * Monotonic counters of what the launcher did since the process started, exported by the
 * web app's `/metrics` as Prometheus counters next to the statsd counters of the same
 * events. The launcher calls {@link ActivityCounters.countLaunch} where it reports
 * `nodepool.launch.*` and {@link ActivityCounters.countDelete} where it reports
 * `nodepool.delete.*`.
 */
import { PolicyStatus } from './policy-status.js';

/** One counter series: its label values and its count. */
export interface CounterEntry {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The launch result of `nodepool.launch.<...>.<result>`: `ready` or an error key. */
export interface LaunchCount {
  readonly provider: string;
  readonly label: string;
  /** `ready`, `error.quota`, `error.ssh`, ... (the statsd result key). */
  readonly result: string;
}

/** A finished node deletion. */
export interface DeleteCount {
  readonly provider: string;
  readonly label: string;
}

class CounterFamily {
  private readonly series = new Map<string, CounterEntry>();

  constructor(private readonly keys: readonly string[]) {}

  add(labels: Readonly<Record<string, string>>, by: number): void {
    const values = this.keys.map((k) => labels[k] ?? '');
    const id = JSON.stringify(values);
    const old = this.series.get(id);
    const picked = Object.fromEntries(this.keys.map((k, i) => [k, values[i] ?? '']));
    this.series.set(id, { labels: picked, value: (old?.value ?? 0) + by });
  }

  entries(): CounterEntry[] {
    return [...this.series.values()];
  }
}

/** Launch and delete counters of one nodepoold process. */
export class ActivityCounters {
  /** Quota episodes and stuck labels (pool policies beyond 0.4.0). */
  readonly policies = new PolicyStatus();
  private readonly launches = new CounterFamily(['provider', 'label', 'result']);
  private readonly deletes = new CounterFamily(['provider', 'label']);

  /** Counts one finished launch attempt. */
  countLaunch(launch: LaunchCount): void {
    this.launches.add({ ...launch }, 1);
  }

  /** Counts one finished node deletion. */
  countDelete(deletion: DeleteCount): void {
    this.deletes.add({ ...deletion }, 1);
  }

  /** Every launch series (provider, label, result). */
  launchEntries(): CounterEntry[] {
    return this.launches.entries();
  }

  /** Every delete series (provider, label). */
  deleteEntries(): CounterEntry[] {
    return this.deletes.entries();
  }
}
