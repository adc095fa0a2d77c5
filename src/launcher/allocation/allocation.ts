/**
 * The allocation object model docs/behaviour.md#allocation, ported from upstream 0.4.0
 * `nodepool/allocation.py` rule for rule.
 *
 * Requests (one per label) are split over the providers that can serve them in proportion to
 * each provider's free capacity; each provider then turns its share of every request into
 * integer grants, and each grant is spread over the targets the request was linked for.
 * Every arithmetic step keeps upstream's operation order, so results at exact .5 boundaries
 * are the same as Python 2's, bit for bit. {@link allocate} in `allocator.ts` drives this
 * model from plain inputs; use the classes directly only to reproduce a specific link order.
 */
import { AllocationHistory } from './allocation-history.js';

/** Options of {@link AllocationProvider.makeGrants}. */
export interface MakeGrantsOptions {
  /**
   * Limit a grant for a label with subnodes to what fits in the free capacity, counting
   * each primary as `1 + subnodes` servers. `false` reproduces upstream 0.4.0, which sizes
   * grants in primaries only and can drive `available` below zero (docs/behaviour.md#allocation). Without
   * subnodes both settings give the same result.
   * @default true
   */
  readonly capSubnodeGrants?: boolean;
}

/** Python 2 `round()`: nearest integer, halves away from zero. */
export function roundHalfAwayFromZero(x: number): number {
  // Math.round is exact (no x + 0.5 error) and rounds halves up, which is "away from zero"
  // for the non-negative magnitude.
  const magnitude = Math.round(Math.abs(x));
  return x < 0 && magnitude !== 0 ? -magnitude : magnitude;
}

/** A target's node count for one request; grows as grants land on the target. */
export class RequestTarget {
  constructor(
    readonly target: string,
    public current: number,
  ) {}
}

/** The share of one grant that goes to one target: the allocator's output. */
export class GrantTarget {
  /** Nodes to launch for this (label, provider, target). */
  amount = 0;
  constructor(
    readonly subRequest: SubRequest,
    readonly requestTarget: RequestTarget,
  ) {}

  /** Records `amount` and counts it on the target, so later grants see it. */
  assign(amount: number): void {
    this.amount = amount;
    this.requestTarget.current += amount;
  }
}

/** An integer number of nodes of one label granted by one provider. */
export interface Grant {
  readonly request: AllocationRequest;
  readonly provider: AllocationProvider;
  readonly amount: number;
  /** The sub-request's targets, in link order. */
  readonly targets: readonly GrantTarget[];
}

/** A provider with its free capacity, its pending sub-requests and the grants it made. */
export class AllocationProvider {
  /** Free servers; clamped to 0 on creation, may go negative afterwards (docs/behaviour.md#allocation). */
  available: number;
  /** Pending sub-requests in link order. */
  readonly subRequests: SubRequest[] = [];
  /** Grants in the order they were made. */
  readonly grants: Grant[] = [];

  constructor(
    readonly name: string,
    available: number,
  ) {
    this.available = available >= 0 ? available : 0;
  }

  /**
   * Turns every pending sub-request into a grant (possibly of 0), docs/behaviour.md#allocation "make grants".
   *
   * Labels that went without nodes in recent rounds are served first, longest wait first,
   * each up to its truncated share. The rest are served in order of how few providers their
   * label still has, each getting its share of what is left in proportion to its amount
   * within its priority block.
   */
  makeGrants(options: MakeGrantsOptions = {}): void {
    const isCapped = options.capSubnodeGrants ?? true;
    const pending = this.subRequests.map((sub) => ({ sub, wait: sub.request.waitTime() }));
    const ordinary = pending.filter((p) => p.wait === 0).map((p) => p.sub);
    // Array.prototype.sort is stable: equal waits keep link order, as Python's sort does.
    const waiters = pending.filter((p) => p.wait !== 0).sort((a, b) => b.wait - a.wait);
    for (const { sub } of waiters) {
      if (this.available > 0) {
        // Compat: waiters get their share truncated, not rounded.
        const n = Math.min(Math.trunc(sub.amount), this.available);
        sub.grant(this.limit(n, sub, isCapped));
      } else {
        ordinary.push(sub);
      }
    }
    ordinary.sort((a, b) => a.priority() - b.priority());
    for (const sub of ordinary) {
      // Priorities are read live, as upstream does: entries already granted have left their
      // request, so they drop out of this block, and the total covers the unprocessed
      // entries of the block in list order.
      const priority = sub.priority();
      let total = 0;
      for (const other of ordinary) {
        if (other.priority() === priority) total += other.amount;
      }
      const ratio = total !== 0 ? sub.amount / total : 0;
      const n = Math.min(
        roundHalfAwayFromZero(sub.amount),
        roundHalfAwayFromZero(this.available * ratio),
      );
      sub.grant(this.limit(n, sub, isCapped));
    }
  }

  private limit(n: number, sub: SubRequest, isCapped: boolean): number {
    if (!isCapped || sub.subnodes === 0) return n;
    return Math.min(n, Math.floor(Math.max(this.available, 0) / (1 + sub.subnodes)));
  }
}

/** What one label asks for in one pass, split over the providers it is linked to. */
export class AllocationRequest {
  /** Nodes still wanted; shrinks as grants are made. */
  amount: number;
  /** Pending sub-requests by provider, in link order. */
  readonly subRequests = new Map<AllocationProvider, SubRequest>();
  /** Targets by name, in the order they were added. */
  readonly requestTargets = new Map<string, RequestTarget>();

  /** Records the request in `history` (even an amount of 0). */
  constructor(
    readonly name: string,
    amount: number,
    readonly history: AllocationHistory = new AllocationHistory(),
  ) {
    this.amount = amount;
    history.recordRequest(name, amount);
  }

  /** Adds a target holding `current` nodes of this label (any state). */
  addTarget(target: string, current: number): void {
    this.requestTargets.set(target, new RequestTarget(target, current));
  }

  /**
   * Lets `provider` supply this request for `target` (docs/behaviour.md#allocation "link"), then re-splits the
   * request over its providers. `subnodes` is fixed by the first link to a provider.
   * @throws RangeError when `target` was not added first.
   */
  addProvider(provider: AllocationProvider, target: string, subnodes: number): GrantTarget {
    const requestTarget = this.requestTargets.get(target);
    if (requestTarget === undefined) {
      throw new RangeError(
        `Cannot link label "${this.name}" to provider "${provider.name}" for target "${target}": the target was not added to the request`,
      );
    }
    let sub = this.subRequests.get(provider);
    if (sub === undefined) {
      sub = new SubRequest(this, provider, subnodes);
      this.subRequests.set(provider, sub);
    }
    const grantTarget = new GrantTarget(sub, requestTarget);
    sub.targets.push(grantTarget);
    if (!provider.subRequests.includes(sub)) provider.subRequests.push(sub);
    this.redistribute();
    return grantTarget;
  }

  /** Splits `amount` over the pending sub-requests in proportion to provider capacity. */
  redistribute(): void {
    let total = 0;
    for (const sub of this.subRequests.values()) total += sub.provider.available;
    for (const sub of this.subRequests.values()) {
      const ratio = total !== 0 ? sub.provider.available / total : 0;
      sub.amount = ratio * this.amount;
    }
  }

  /** Closed rounds in a row in which this label asked and got nothing. */
  waitTime(): number {
    return this.history.waitTime(this.name);
  }
}

/** The part of a request asked of one provider. */
export class SubRequest {
  /** Fractional share of the request; the granted amount once granted. */
  amount = 0;
  /** Grant targets, one per link, in link order. */
  readonly targets: GrantTarget[] = [];

  constructor(
    readonly request: AllocationRequest,
    readonly provider: AllocationProvider,
    readonly subnodes: number,
  ) {}

  /** Number of providers the request still has pending, this one included. */
  priority(): number {
    return this.request.subRequests.size;
  }

  /**
   * Grants `n` nodes (`n <= 0` grants nothing) and retires this sub-request (docs/behaviour.md#allocation).
   * @throws RangeError when `n` is not an integer.
   */
  grant(n: number): void {
    if (!Number.isInteger(n)) {
      throw new RangeError(
        `Cannot grant label "${this.request.name}" on provider "${this.provider.name}": the amount must be an integer: current value is ${n}`,
      );
    }
    const { request, provider } = this;
    const index = provider.subRequests.indexOf(this);
    if (index >= 0) provider.subRequests.splice(index, 1);
    request.subRequests.delete(provider);
    let grant: Grant | undefined;
    const amount = n > 0 ? n : 0;
    if (amount > 0) {
      grant = { request, provider, amount, targets: this.targets };
      request.history.recordGrant(request.name, amount);
      provider.grants.push(grant);
    }
    this.amount = amount;
    request.amount -= amount;
    provider.available -= amount * (1 + this.subnodes);
    request.redistribute();
    if (grant !== undefined) distributeOverTargets(grant);
  }
}

/**
 * Spreads a grant over its targets (docs/behaviour.md#allocation): each target in turn is topped up towards an
 * even share of the label's nodes on the targets still to visit, halves favouring earlier
 * targets.
 */
function distributeOverTargets(grant: Grant): void {
  let total = 0;
  for (const gt of grant.targets) total += gt.requestTarget.current;
  let remaining = grant.amount;
  total += remaining;
  let left = grant.targets.length;
  for (const gt of grant.targets) {
    const current = gt.requestTarget.current;
    const desired = roundHalfAwayFromZero((1 / left) * total);
    const n = Math.max(Math.min(desired - current, remaining), 0);
    remaining -= n;
    total -= current + n;
    left -= 1;
    gt.assign(n);
  }
}
