/**
 * Ready-node policies beyond 0.4.0: time-of-day `min-ready`, `max-ready-age`,
 * `refresh-on-new-image`, and the pool's minute ticker that re-evaluates schedules.
 */
export { applyReadyPolicies } from './ready-policies.js';
export type { ReadyPolicyInput, ReadyPolicyResult } from './ready-policies.js';
export { staleReason } from './staleness.js';
export type { StalenessOptions } from './staleness.js';
export { runMinuteTicker } from './minute-ticker.js';
export type { MinuteTickerOptions } from './minute-ticker.js';
