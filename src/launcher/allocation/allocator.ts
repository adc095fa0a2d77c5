/**
 * One allocation pass (docs/behaviour.md#allocation): per-label demand in, launch orders out.
 *
 * Pure apart from the {@link AllocationHistory} it reads and advances. Where upstream 0.4.0
 * iterated Python 2 dicts (hash order), this iterates the input arrays, which the launcher
 * builds in config file order: targets, then labels, then each label's providers, then the
 * providers making grants. The result is deterministic for a given input and history.
 */
import type { AllocationHistory } from './allocation-history.js';
import { AllocationProvider, AllocationRequest } from './allocation.js';
import type { MakeGrantsOptions } from './allocation.js';

/** A provider as the allocator sees it. */
export interface AllocatorProvider {
  readonly name: string;
  /**
   * Free servers: `max-servers` minus every node row of the provider (any state), each
   * counted as `1 + its subnode rows`. Negative values are treated as 0.
   */
  readonly available: number;
}

/** A label as the allocator sees it. */
export interface AllocatorLabel {
  readonly name: string;
  /** Nodes wanted this pass (docs/behaviour.md#demand). */
  readonly demand: number;
  /** Extra servers launched with each primary node. */
  readonly subnodes: number;
  /**
   * Providers that may supply the label now (configured for it and holding a current image
   * of its diskimage), in config order. Names not in {@link AllocationInput.providers} are
   * ignored.
   */
  readonly providers: readonly string[];
}

/** An online target as the allocator sees it. */
export interface AllocatorTarget {
  readonly name: string;
  /**
   * Node rows (any state) of each label on this target; a missing label counts 0.
   */
  readonly current: ReadonlyMap<string, number>;
}

/** Everything one allocation pass needs, each list in config file order. */
export interface AllocationInput {
  readonly providers: readonly AllocatorProvider[];
  readonly labels: readonly AllocatorLabel[];
  /** Online targets only. With none, nothing is allocated (the round is still closed). */
  readonly targets: readonly AllocatorTarget[];
}

/** One launch order: start `count` nodes of `label` on `provider` for `target`. */
export interface LaunchOrder {
  readonly target: string;
  readonly label: string;
  readonly provider: string;
  /** Always > 0. */
  readonly count: number;
}

/** Options of {@link allocate}. */
export type AllocateOptions = MakeGrantsOptions;

/**
 * Runs one allocation pass and closes the history round.
 *
 * Every label gets a request (recorded in the history even when its demand is 0) as soon as
 * there is an online target. For each target, each label is added with its current node
 * count and linked to each of its providers. Then each provider, in order, makes its grants.
 * Orders come out provider by provider, grant by grant, target by target; shares of 0 are
 * left out.
 *
 * @throws RangeError when a label or target name appears twice.
 */
export function allocate(
  input: AllocationInput,
  history: AllocationHistory,
  options: AllocateOptions = {},
): LaunchOrder[] {
  assertUnique(input.labels, 'label');
  assertUnique(input.targets, 'target');
  const providers = new Map<string, AllocationProvider>();
  for (const p of input.providers) {
    if (!providers.has(p.name)) providers.set(p.name, new AllocationProvider(p.name, p.available));
  }
  const requests = new Map<string, AllocationRequest>();
  for (const target of input.targets) {
    for (const label of input.labels) {
      let request = requests.get(label.name);
      if (request === undefined) {
        request = new AllocationRequest(label.name, label.demand, history);
        requests.set(label.name, request);
      }
      request.addTarget(target.name, target.current.get(label.name) ?? 0);
      for (const providerName of new Set(label.providers)) {
        const provider = providers.get(providerName);
        if (provider !== undefined) request.addProvider(provider, target.name, label.subnodes);
      }
    }
  }
  const orders: LaunchOrder[] = [];
  for (const provider of providers.values()) {
    provider.makeGrants(options);
    for (const grant of provider.grants) {
      for (const gt of grant.targets) {
        if (gt.amount > 0) {
          orders.push({
            target: gt.requestTarget.target,
            label: grant.request.name,
            provider: provider.name,
            count: gt.amount,
          });
        }
      }
    }
  }
  history.closeRound();
  return orders;
}

function assertUnique(items: readonly { readonly name: string }[], kind: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.name)) {
      throw new RangeError(`Cannot allocate: ${kind} "${item.name}" is listed twice`);
    }
    seen.add(item.name);
  }
}
