/**
 * The `check` cron (docs/behaviour.md#check): SSH liveness of every `ready` node; a node that cannot be
 * reached, or whose label is no longer configured, is deleted. Probes run in parallel with a
 * small bound instead of upstream's one-by-one (N dead nodes cost N × 60 s there).
 */
import { getLogger } from '../../log/index.js';
import { checkNode } from '../../ssh/index.js';
import type { LauncherContext } from '../context.js';
import type { NodeDeleter } from '../node-deleter.js';
import { connectorFor } from '../node-ssh.js';

/** One check run. */
export async function runCheck(
  ctx: LauncherContext,
  deleter: NodeDeleter,
  signal: AbortSignal,
  /** The providers whose nodes this launcher checks (see `owned.ts`). @default every one */
  owns: (provider: string) => boolean = () => true,
): Promise<void> {
  const log = getLogger(ctx.log, 'nodepool.NodePool', { cron: 'check' });
  const config = ctx.config();
  const nodes = (await ctx.db().nodes.list({ state: 'ready' })).filter((n) => owns(n.providerName));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < nodes.length && !signal.aborted) {
      const node = nodes[next++]!;
      const label = config.labels.find((l) => l.name === node.labelName);
      const provider = config.providers.find((p) => p.name === node.providerName);
      const image = provider?.images.find((i) => i.name === label?.image);
      if (
        label === undefined ||
        provider === undefined ||
        image === undefined ||
        node.ip === null
      ) {
        log.info('Check: deleting node %d: its label, provider image or address is gone', node.id);
        deleter.deleteNode(node.id, 'check: not configured');
        continue;
      }
      const connector = connectorFor(ctx.ssh, provider);
      const result = await checkNode(
        node.ip,
        {
          username: image.username,
          privateKey: image.privateKey,
          timeoutMs: ctx.timing.checkTimeoutMs,
          ...(ctx.ssh.retryDelayMs !== undefined ? { retryDelayMs: ctx.ssh.retryDelayMs } : {}),
          ...(ctx.sshSlots ? { slots: ctx.sshSlots } : {}),
          signal,
        },
        (host, o) => connector.connect(host, o),
      );
      if (result.isAlive) continue;
      // The node may have been taken or deleted while we probed.
      const now = await ctx.db().nodes.get(node.id);
      if (now?.state !== node.state) continue;
      log.warn({ err: result.error }, 'Check: cannot reach node %d over SSH: deleting it', node.id);
      deleter.deleteNode(node.id, 'check: SSH failed');
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, ctx.timing.checkConcurrency) }, () => worker()),
  );
}
