/**
 * The allocator's memory between passes: which labels asked for nodes and which got some.
 *
 * It is the starvation guard docs/behaviour.md#allocation (upstream 0.4.0 `AllocationHistory`). A label that
 * asked in several consecutive passes and got nothing is served first, ahead of the
 * proportional share, in the next pass. One instance lives as long as the daemon.
 */

/** What one label asked for and received during one round (one pass). */
export interface AllocationRecord {
  /** Sum of the request amounts recorded for the label. */
  readonly requested: number;
  /** Sum of the grants recorded for the label. */
  readonly allocated: number;
}

/** Options of {@link AllocationHistory}. */
export interface AllocationHistoryOptions {
  /**
   * How many closed rounds are kept.
   * @default 100
   */
  readonly depth?: number;
}

interface MutableRecord {
  requested: number;
  allocated: number;
}

/**
 * Per-label record of requests and grants over the last rounds.
 *
 * A round is open while a pass allocates; {@link AllocationHistory.closeRound} files it.
 * {@link AllocationHistory.waitTime} looks only at closed rounds.
 */
export class AllocationHistory {
  /** Maximum number of closed rounds kept. */
  readonly depth: number;
  private current = new Map<string, MutableRecord>();
  /** Closed rounds, newest first. */
  private past: ReadonlyMap<string, AllocationRecord>[] = [];

  /** @throws RangeError when `depth` is not a positive integer. */
  constructor(options: AllocationHistoryOptions = {}) {
    const depth = options.depth ?? 100;
    if (!Number.isInteger(depth) || depth < 1) {
      throw new RangeError(
        `Cannot create an allocation history: depth must be a positive integer: current value is ${depth}`,
      );
    }
    this.depth = depth;
  }

  /** Adds `amount` to what `label` asked for in the open round (0 still counts as asking). */
  recordRequest(label: string, amount: number): void {
    const record = this.current.get(label);
    if (record === undefined) {
      this.current.set(label, { requested: amount, allocated: 0 });
    } else {
      record.requested += amount;
    }
  }

  /**
   * Adds `amount` to what `label` received in the open round.
   * @throws RangeError when no request was recorded for `label` in the open round.
   */
  recordGrant(label: string, amount: number): void {
    const record = this.current.get(label);
    if (record === undefined) {
      throw new RangeError(
        `Cannot record a grant for label "${label}": no request was recorded for it in this round`,
      );
    }
    record.allocated += amount;
  }

  /** Files the open round as the newest closed one (dropping the oldest past `depth`). */
  closeRound(): void {
    this.past.unshift(this.current);
    if (this.past.length > this.depth) this.past.length = this.depth;
    this.current = new Map();
  }

  /**
   * Number of consecutive closed rounds, newest first, in which `label` asked and got nothing.
   *
   * Counting stops at the first round where the label is absent or received something. The
   * open round is ignored: a grant from an earlier provider in this pass must not take the
   * label out of the waiters for the later providers of the same pass.
   */
  waitTime(label: string): number {
    let wait = 0;
    for (const round of this.past) {
      const record = round.get(label);
      if (record === undefined || record.allocated !== 0) break;
      wait += 1;
    }
    return wait;
  }

  /** Closed rounds, newest first, for diagnostics. */
  rounds(): readonly ReadonlyMap<string, AllocationRecord>[] {
    return this.past;
  }

  /** The open round's record for `label`, if it asked in this round. */
  currentRecord(label: string): AllocationRecord | undefined {
    return this.current.get(label);
  }
}
