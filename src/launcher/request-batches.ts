/**
 * The batches in which a leader's pass hands launch requests to their owners (issue #15):
 * sending starts once {@link REQUEST_CHUNK} requests are queued, one batch at a time, and
 * what queues while a batch is being written goes in the next, so the batches grow with the
 * load; {@link RequestBatches.end} sends the rest and waits for every batch.
 */
import type { LaunchRequest } from '../cluster/index.js';

/**
 * A leader's pass starts sending launch requests to their owners once this many are queued
 * (and sends the rest when it ends); while one batch is being written the next one grows.
 */
export const REQUEST_CHUNK = 32;

/** Queues requests and sends them in growing batches through `send`, which never rejects. */
export class RequestBatches {
  private batch: LaunchRequest[] = [];
  private sending: Promise<void> | null = null;
  private ended = false;

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

  private pump(): void {
    const n = this.batch.length;
    if (this.sending !== null || n === 0 || (!this.ended && n < REQUEST_CHUNK)) return;
    const batch = this.batch;
    this.batch = [];
    this.sending = this.send(batch).finally(() => {
      this.sending = null;
      this.pump();
    });
  }
}
