/**
 * A bounded in-memory record of node counts over time, for the status page's chart. The
 * launcher records one sample per pass; nothing is persisted (a restart starts empty).
 */
import type { NodeRecord } from '../db/index.js';
import { countByState } from './node-tables.js';
import type { StateCounts } from './node-tables.js';

/** Node counts at one moment. */
export interface NodeSample {
  /** Unix time in milliseconds. */
  readonly time: number;
  readonly counts: StateCounts;
  /** Number of nodes in all states. */
  readonly total: number;
}

/** Options of {@link NodeHistory}. */
export interface NodeHistoryOptions {
  /**
   * How many samples are kept; the oldest are dropped first. 360 is one hour at the
   * launcher's 10 s pass interval.
   * @default 360
   */
  readonly capacity?: number;
  /**
   * Samples closer than this to the previous one replace it instead of adding a point, so
   * event-driven passes in quick succession do not crowd the chart out.
   * @default 5000
   */
  readonly minSpacingMs?: number;
}

/** The ring of recent {@link NodeSample}s. */
export class NodeHistory {
  readonly capacity: number;
  readonly minSpacingMs: number;
  private readonly ring: NodeSample[] = [];

  /** @throws RangeError when `capacity` is not a positive integer */
  constructor(options: NodeHistoryOptions = {}) {
    this.capacity = options.capacity ?? 360;
    this.minSpacingMs = options.minSpacingMs ?? 5000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new RangeError(
        `Cannot create a node history: capacity must be a positive integer: current value is ${this.capacity}`,
      );
    }
  }

  /** Adds a sample of these counts taken at `time` (default now). */
  record(counts: StateCounts, time: number = Date.now()): void {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const sample: NodeSample = { time, counts: { ...counts }, total };
    const last = this.ring.at(-1);
    if (last !== undefined && time - last.time < this.minSpacingMs && time >= last.time) {
      // Keep the first point of a burst where it was, with the newest counts.
      this.ring[this.ring.length - 1] = { ...sample, time: last.time };
      return;
    }
    this.ring.push(sample);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** Counts `nodes` by state and records them. */
  recordNodes(nodes: readonly Pick<NodeRecord, 'state'>[], time: number = Date.now()): void {
    this.record(countByState(nodes), time);
  }

  /** The samples, oldest first (a copy). */
  samples(): NodeSample[] {
    return [...this.ring];
  }
}
