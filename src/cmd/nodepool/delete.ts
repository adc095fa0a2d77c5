import { notFoundError } from '../../errors.js';
import { JenkinsTargets, connectFakeJenkins } from '../../jenkins-zuul/index.js';
import { deleteNodeInForeground } from '../../launcher/index.js';
import { getLogger } from '../../log/index.js';
import { createNoopStats } from '../../stats/index.js';
import { openCliDrivers } from './cloud-helpers.js';
import { isOutOfRange, openCliDatabase, parseId, printNodes } from './db-helpers.js';
import { startLauncherPoke } from './poke.js';
import type { CliContext, VerbOptions } from './verb.js';

/**
 * `nodepool delete ID [--now]`: marks a node for deletion, tells the launchers (which
 * delete it at once), and prints it. `--now` (delete in the foreground) needs the provider layer.
 */
export async function run(
  ctx: CliContext,
  args: readonly string[],
  opts: VerbOptions,
): Promise<void> {
  const id = parseId(args[0] ?? '', 'node');
  const launchers = startLauncherPoke(ctx);
  const db = await openCliDatabase(ctx);
  const existing = isOutOfRange(id) ? undefined : await db.nodes.get(id);
  if (!existing) throw notFoundError(`Node ${id} not found.`);
  if (opts.now === true) {
    const config = await ctx.config();
    const log = getLogger(ctx.log, 'nodepool.NodeDeleter');
    const drivers = await openCliDrivers(ctx);
    // Like upstream, `delete --now` builds its own Jenkins managers to remove the node's agent.
    const targets = new JenkinsTargets({
      log,
      stats: createNoopStats(),
      connect: connectFakeJenkins,
    });
    try {
      const jenkins = (signal: () => AbortSignal) => targets.hooks(signal);
      if (!(await deleteNodeInForeground(config, db, id, { log, drivers, jenkins })))
        throw notFoundError(`Node ${id} not found.`);
    } finally {
      await targets.stop();
    }
    await launchers.poke({ kind: 'node', id, by: 'cli' });
    return;
  }
  const found = await db.nodes.setState(id, 'delete');
  if (found) await launchers.poke({ kind: 'node', id, by: 'cli' });
  const node = found ? await db.nodes.get(id) : undefined;
  if (!node) throw notFoundError(`Node ${id} not found.`);
  printNodes(ctx, [node]);
}
