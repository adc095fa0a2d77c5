/**
 * Pool policies beyond 0.4.0. Ready-node policies: time-of-day `min-ready`, `max-ready-age`,
 * `refresh-on-new-image`, and the pool's minute ticker that re-evaluates schedules. Launch
 * policies: quota failover, launch attempts, the stuck-demand alarm.
 */
export { applyReadyPolicies } from './ready-policies.js';
export type { ReadyPolicyInput, ReadyPolicyResult } from './ready-policies.js';
export { staleReason } from './staleness.js';
export type { StalenessOptions } from './staleness.js';
export { runMinuteTicker } from './minute-ticker.js';
export type { MinuteTickerOptions } from './minute-ticker.js';
export {
  DEFAULT_LAUNCH_ATTEMPTS,
  LaunchPolicies,
  isQuotaRefusal,
  launchReportOf,
} from './launch-policies.js';
export type { LaunchEnd, PassView, PolicyHooks } from '../context.js';
export { QuotaGuard, hasQuotaRoom } from './quota.js';
export { LaunchFailover } from './launch-attempts.js';
export { StuckTracker } from './stuck.js';
export type { LabelObservation } from './stuck.js';
