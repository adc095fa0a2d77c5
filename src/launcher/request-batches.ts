/**
 * The batches in which a leader's pass hands launch requests to their owners (issue #15):
 * sending starts once {@link REQUEST_CHUNK} requests are queued, one batch at a time; each
 * next batch waits for twice as many (up to {@link MAX_REQUEST_BATCH}), so the owners get
 * their first launches at once and a pass of thousands of rows still writes only a dozen
 * ZooKeeper transactions (each a quorum write). {@link RequestBatches.end} sends the rest and
 * waits for every batch.
 */
import type { LaunchRequest } from '../cluster/index.js';

/**
 * A leader's pass starts sending launch requests to their owners once this many are queued
 * (and sends the rest when it ends); while one batch is being written the next one grows.
 */
export const REQUEST_CHUNK = 32;

/** The size the batches of a pass double up to. */
export const MAX_REQUEST_BATCH = 512;

/** Queues requests and sends them in growing batches through `send`, which never rejects. */
export class RequestBatches {
  private batch: LaunchRequest[] = [];
  private sending: Promise<void> | null = null;
  private ended = false;
  /** How many requests the next batch waits for. */
  private threshold = REQUEST_CHUNK;

  constructor(private readonly send: (batch: readonly LaunchRequest[]) => Promise<void>) {}

  add(r: LaunchRequest): void {
    this.batch.push(r);
    this.pump();
  }

  /** Sends what is queued, whatever its size, and resolves once every batch is written. */
  async end(): Promise<void> {
    this.ended = true;
    this.pump();
    // Each batch's end starts the next while requests are left.
    for (let p = this.sending; p !== null; p = this.sending) await p;
  }

  /**
   * Sends what is queued, like {@link end}, but resolves as soon as the last batch has been
   * handed to `send` (after the batch in flight, if any, ended), not once it is written.
   */
  async handedOver(): Promise<void> {
    this.ended = true;
    this.pump();
    // A batch's end (its `finally`) hands the next one over before this wakes.
    while (this.batch.length > 0 && this.sending !== null) await this.sending;
  }

  private pump(): void {
    const n = this.batch.length;
    if (this.sending !== null || n === 0 || (!this.ended && n < this.threshold)) return;
    const batch = this.batch;
    this.batch = [];
    this.threshold = Math.min(this.threshold * 2, MAX_REQUEST_BATCH);
    this.sending = this.send(batch).finally(() => {
      this.sending = null;
      this.pump();
    });
  }
}
