/** Waiting for a world to settle after the faults, with the last accounting kept for the report. */
import { delay } from '../../../src/util/index.js';
import { isClean } from './accounting.js';
import type { Accounting } from './accounting.js';

/**
 * Polls `account` until it is clean or `timeoutMs` passes; resolves to the last accounting
 * (clean or not) and how long it took. Errors while accounting count as "not yet" and are
 * reported when time runs out.
 */
export async function settle(
  account: () => Promise<Accounting>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<{ accounting: Accounting; ms: number }> {
  const started = Date.now();
  let last: Accounting = { figures: {}, problems: ['not accounted yet'] };
  for (;;) {
    try {
      last = await account();
      if (isClean(last)) return { accounting: last, ms: Date.now() - started };
    } catch (err) {
      last = {
        figures: last.figures,
        problems: [`Cannot account: ${err instanceof Error ? err.message : String(err)}`],
      };
    }
    if (Date.now() - started > timeoutMs) return { accounting: last, ms: Date.now() - started };
    await delay(intervalMs);
  }
}
