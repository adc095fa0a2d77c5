/** Pool policies beyond 0.4.0: quota failover, launch attempts, the stuck-demand alarm. */
export { DEFAULT_LAUNCH_ATTEMPTS, LaunchPolicies, isQuotaRefusal } from './launch-policies.js';
export type { LaunchEnd, PassView, PolicyHooks } from '../context.js';
export { QuotaGuard, hasQuotaRoom } from './quota.js';
export { LaunchFailover } from './launch-attempts.js';
export { StuckTracker } from './stuck.js';
export type { LabelObservation } from './stuck.js';
