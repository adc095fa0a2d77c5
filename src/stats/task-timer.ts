/** The per-call metric of a rate-limited queue (provider or Jenkins target). */
import { taskMetric } from './metric-names.js';
import type { Stats } from './stats-client.js';

/**
 * A `TaskQueue` `onTaskDone` that reports each call as upstream's task manager did: a timer
 * and a counter under `nodepool.task.<manager>.<TaskName>`.
 */
export function taskTimer(stats: Stats, manager: string): (task: string, ms: number) => void {
  return (task, ms) => {
    const key = taskMetric(manager, task);
    stats.timing(key, ms);
    stats.increment(key);
  };
}
