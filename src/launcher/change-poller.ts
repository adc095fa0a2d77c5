/**
 * Noticing writers that do not poke ZooKeeper (a Python 0.4.0 CLI, a manual SQL update):
 * the database's change fingerprint is read every `changePollMs`, and a change wakes the
 * launcher. The launcher's own writes change it too; the extra pass they cause is cheap.
 */
import type { Logger } from 'pino';
import { delay } from '../util/index.js';
import type { LauncherContext } from './context.js';

/**
 * Polls until `signal` aborts; resolves then. A failed read (no config yet, database down)
 * is logged at debug level and retried at the next tick.
 */
export async function pollForeignChanges(
  ctx: LauncherContext,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let last: string | null = null;
  while (!signal.aborted) {
    try {
      const now = await ctx.db().nodes.changeFingerprint();
      if (last !== null && now !== last) {
        log.debug('The node tables changed: running a pass');
        ctx.wake();
      }
      last = now;
    } catch (err) {
      if (signal.aborted) return;
      log.debug({ err }, 'Cannot read the change fingerprint: retrying');
    }
    try {
      await delay(ctx.timing.changePollMs, { signal });
    } catch {
      return; // stopping
    }
  }
}
