/** Launch and delete metrics (docs/behaviour.md#statsd): each key gets a timer and a counter. */
import { deleteMetric, launchMetrics } from '../stats/index.js';
import type { LaunchMetricSubject, Stats } from '../stats/index.js';

/** Reports one launch result (`ready` or an error key) under every upstream key. */
export function reportLaunch(
  stats: Stats,
  subject: LaunchMetricSubject,
  result: string,
  ms: number,
): void {
  for (const key of launchMetrics(subject, result)) {
    stats.timing(key, ms);
    stats.increment(key);
  }
}

/** Reports one finished node deletion. */
export function reportDelete(
  stats: Stats,
  image: string | null,
  provider: string,
  target: string,
  ms: number,
): void {
  const key = deleteMetric(image, provider, target);
  stats.timing(key, ms);
  stats.increment(key);
}
