/**
 * One pass of the launcher's pure core: demand (docs/behaviour.md#demand) feeding allocation (docs/behaviour.md#allocation).
 *
 * The launcher supplies what it observed (node counts, Gearman queue, online targets, which
 * providers hold a current image) and gets back launch orders plus the figures behind them
 * for logging and metrics. Nothing here does I/O.
 */
import type { CompiledLabel } from '../../config/index.js';
import type { AllocationHistory } from './allocation-history.js';
import { allocate } from './allocator.js';
import type { AllocateOptions, LaunchOrder } from './allocator.js';
import { computeDemand } from './demand.js';
import type { DemandConfig, DemandInput, DemandResult } from './demand.js';

/** The parts of the compiled config a pass depends on; a `CompiledConfig` fits. */
export interface LaunchPlanConfig extends DemandConfig {
  readonly labels: readonly Pick<
    CompiledLabel,
    'name' | 'image' | 'minReady' | 'subnodes' | 'providers'
  >[];
}

/** Options of {@link planLaunches}. */
export interface LaunchPlanOptions extends AllocateOptions {
  /** The daemon-lifetime history; the pass closes one round of it. */
  readonly history: AllocationHistory;
  /**
   * Whether `provider` has a current (ready) upload of `image`. Providers without one are not
   * linked to the label, though they still count in its capacity (docs/behaviour.md#demand).
   */
  readonly hasImage: (image: string, provider: string) => boolean;
  /** Whether `label` may be placed on `provider` at all (quota failover, launch attempts). */
  readonly isUsable?: (label: string, provider: string) => boolean;
}

/** What one pass decided. */
export interface LaunchPlan {
  readonly demand: DemandResult;
  /** Launch orders in allocation order; see {@link allocate}. */
  readonly orders: readonly LaunchOrder[];
}

/**
 * Computes demand and allocates it over providers and online targets.
 *
 * `hasImage` is asked once per (label, provider) rather than per target as upstream did;
 * the answer does not depend on the target.
 */
export function planLaunches(
  config: LaunchPlanConfig,
  input: DemandInput,
  options: LaunchPlanOptions,
): LaunchPlan {
  const demand = computeDemand(config, input);
  const configured = new Set(config.providers.map((p) => p.name));
  const labels = config.labels.map((label, i) => ({
    name: label.name,
    demand: demand.labels[i]?.demand ?? 0,
    subnodes: label.subnodes,
    providers: label.providers
      .map((p) => p.name)
      .filter(
        (name) =>
          configured.has(name) &&
          options.hasImage(label.image, name) &&
          (options.isUsable?.(label.name, name) ?? true),
      ),
  }));
  const orders = allocate(
    { providers: demand.providers, labels, targets: demand.targets },
    options.history,
    options,
  );
  return { demand, orders };
}
