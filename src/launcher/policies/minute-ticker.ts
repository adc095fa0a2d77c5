/**
 * Wakes the main pass at the start of every minute while some label has a
 * `min-ready-schedule`, so a period that begins or ends is applied within the minute even
 * when nothing else wakes the loop. Runs until its signal aborts (the pool owns it).
 */
import type { CronClock } from '../../util/index.js';

/** Options of {@link runMinuteTicker}. */
export interface MinuteTickerOptions {
  /** Wall clock to read and sleep on. */
  readonly clock: CronClock;
  /** Whether a schedule is configured now (read at each minute). */
  readonly hasSchedule: () => boolean;
  /** Runs a pass as soon as possible. */
  readonly wake: () => void;
  /** Ends the ticker. */
  readonly signal: AbortSignal;
}

/** Sleeps to each minute boundary and wakes the pass there; resolves when `signal` aborts. */
export async function runMinuteTicker(options: MinuteTickerOptions): Promise<void> {
  const { clock, signal } = options;
  while (!signal.aborted) {
    const now = clock.now();
    // A few ms past the boundary, so the pass reads the new minute.
    const wait = 60_000 - (now % 60_000) + 5;
    try {
      await clock.sleep(wait, { signal });
    } catch {
      return; // stopping
    }
    if (options.hasSchedule()) options.wake();
  }
}
