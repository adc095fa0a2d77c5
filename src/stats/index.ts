/** Public surface of statsd reporting: the client and every metric name. */
export { createStats, createStatsFromEnv, createNoopStats } from './stats-client.js';
export type { Stats, StatsOptions } from './stats-client.js';
export * from './metric-names.js';
export { taskTimer } from './task-timer.js';
