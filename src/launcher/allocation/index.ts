/**
 * The launcher's pure core: per-label demand (docs/behaviour.md#demand) and upstream 0.4.0's
 * allocator (docs/behaviour.md#allocation), turning node counts, capacity and Zuul's queue
 * into launch orders. No I/O, no clock, no config loading: `pass.ts` feeds it plain values,
 * and its tests need nothing but inputs. Uses only `config/` types.
 */
export { AllocationHistory } from './allocation-history.js';
export type { AllocationHistoryOptions, AllocationRecord } from './allocation-history.js';
export {
  AllocationProvider,
  AllocationRequest,
  GrantTarget,
  RequestTarget,
  SubRequest,
  roundHalfAwayFromZero,
} from './allocation.js';
export type { Grant, MakeGrantsOptions } from './allocation.js';
export { allocate } from './allocator.js';
export type {
  AllocateOptions,
  AllocationInput,
  AllocatorLabel,
  AllocatorProvider,
  AllocatorTarget,
  LaunchOrder,
} from './allocator.js';
export { computeDemand, countNodes, subnodeDeficits } from './demand.js';
export type {
  DemandConfig,
  DemandInput,
  DemandResult,
  LabelDemand,
  NodeCount,
  NodeStateName,
  NodeSummary,
  ProviderCapacity,
  SubnodeDeficit,
  SubnodeStatus,
  TargetLoad,
} from './demand.js';
export { planLaunches } from './launch-plan.js';
export type { LaunchPlan, LaunchPlanConfig, LaunchPlanOptions } from './launch-plan.js';
