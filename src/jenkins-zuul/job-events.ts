/**
 * What Jenkins build events do to nodes (docs/behaviour.md#job-start-and-completion, upstream
 * `NodeUpdateListener.handleStartPhase` and `NodeCompleteThread`).
 *
 * Deliberate changes from upstream (docs/behaviour.md#where-we-differ-from-040):
 * - `onStarted` moves a node from `ready` to `used` only (a compare-and-set): a node in
 *   `delete` or `hold` is never changed by an event.
 * - Held nodes with a NULL comment count as having an empty comment (upstream crashed).
 * - A passing test job relabels the Jenkins node with the node's label name and makes it
 *   `ready` (upstream used an attribute that does not exist and never got there).
 * - The delay before deleting a finished node is awaited in the background, not while
 *   holding a database connection; on shutdown the node is marked `delete` instead, so the
 *   next start's cleanup removes it.
 *
 * Events for one node name are handled in arrival order.
 */
import type { Logger } from 'pino';
import type { JenkinsEvent } from '../jenkins/index.js';
import type { NodeRecord } from '../db/index.js';
import { stateCode } from '../db/index.js';
import { getLogger } from '../log/index.js';
import { jobMetricPrefixes } from '../stats/index.js';
import { TaskGroup, delay } from '../util/index.js';
import type { IntegrationHost } from '../launcher/index.js';
import type { JenkinsTargets } from './jenkins-targets.js';

/** The comment an automatically held node gets (upstream's text). */
export function autoHoldComment(job: string): string {
  return `Automatically held after failing ${job}`;
}

/** Handles build events for one launcher. */
export class JobEvents {
  private readonly log: Logger;
  private readonly chains = new Map<string, Promise<void>>();
  /** Delayed deletions after `onFinalized`. */
  private readonly pending: TaskGroup;
  private readonly stopping = new AbortController();

  constructor(
    private readonly host: IntegrationHost,
    private readonly jenkins: JenkinsTargets,
  ) {
    this.log = getLogger(host.ctx.log, 'nodepool.NodeUpdateListener');
    this.pending = new TaskGroup((err, name) =>
      this.log.error({ err }, 'Exception handling %s', name),
    );
  }

  /** Node deletions waiting for the delay after their job. */
  get pendingDeletions(): number {
    return this.pending.size;
  }

  /** The listener's handler: queues the event behind earlier events of the same node. */
  handle(event: JenkinsEvent): Promise<void> {
    const prev = this.chains.get(event.nodeName) ?? Promise.resolve();
    const next = prev.then(() => this.dispatch(event));
    const tail = next.catch(() => undefined);
    this.chains.set(event.nodeName, tail);
    void tail
      .then(() => {
        if (this.chains.get(event.nodeName) === tail) this.chains.delete(event.nodeName);
      })
      .catch(() => undefined);
    return next;
  }

  /** Stops waiting: nodes whose delayed deletion is pending are marked `delete` now. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('job events stopping'));
    await Promise.allSettled([...this.chains.values()]);
    await this.pending.drain();
  }

  private async dispatch(event: JenkinsEvent): Promise<void> {
    if (event.topic === 'onStarted') await this.onStarted(event);
    else if (event.topic === 'onFinalized') await this.onFinalized(event);
    // onCompleted: nothing to do (as upstream).
  }

  private async find(event: JenkinsEvent): Promise<NodeRecord | undefined> {
    const node = await this.host.ctx.db().nodes.getByNodename(event.nodeName);
    if (node === undefined) this.log.debug('Unable to find node with nodename: %s', event.nodeName);
    // Several launchers hear every event; the owner of the node's provider applies it.
    else if (this.host.owns?.(node.providerName) === false) {
      this.log.debug('Node %d is handled by the launcher owning %s', node.id, node.providerName);
      return undefined;
    }
    return node;
  }

  private testJobOf(node: NodeRecord): string | undefined {
    const target = this.host.ctx.config().targets.find((t) => t.name === node.targetName);
    const job = target?.jenkins.testJob;
    return job === '' ? undefined : job;
  }

  private async onStarted(event: JenkinsEvent): Promise<void> {
    const node = await this.find(event);
    if (node === undefined) return;
    if (event.jobName === this.testJobOf(node)) {
      this.log.debug('Test job for node id: %d started', node.id);
      return;
    }
    if (await this.host.ctx.db().nodes.setStateIf(node.id, ['ready'], 'used')) {
      this.log.info(
        { nodeId: node.id, job: event.jobName },
        'Setting node id: %d to USED',
        node.id,
      );
      this.host.ctx.gaugesChanged();
    } else {
      this.log.info(
        { nodeId: node.id, job: event.jobName },
        'Job %s started on node id: %d, which is not ready: state unchanged',
        event.jobName,
        node.id,
      );
    }
  }

  private async onFinalized(event: JenkinsEvent): Promise<void> {
    const { ctx } = this.host;
    const node = await this.find(event);
    if (node === undefined) return;
    if (node.state === stateCode('hold')) {
      this.log.info('Node id: %d is complete but in HOLD state', node.id);
      return;
    }
    if (node.state === stateCode('delete')) {
      this.log.debug('Node id: %d is complete and already being deleted', node.id);
      return;
    }
    const result = event.status ?? 'UNKNOWN';
    if (result !== 'SUCCESS' && (await this.autoHold(node, event.jobName))) return;
    if (event.jobName === this.testJobOf(node)) {
      this.log.debug('Test job for node id: %d complete, result: %s', node.id, result);
      if (result === 'SUCCESS' && (await this.acceptTested(node))) return;
      this.log.info('Node id: %d failed acceptance test, deleting', node.id);
    } else if (result === 'SUCCESS') {
      const ms = Date.now() - (node.stateTime ?? Date.now() / 1000) * 1000;
      for (const key of jobMetricPrefixes(
        event.jobName,
        event.branch,
        node.labelName,
        node.providerName,
      )) {
        ctx.stats.timing(`${key}.runtime`, Math.max(0, Math.round(ms)));
        ctx.stats.increment(`${key}.builds`);
      }
    }
    this.scheduleDelete(node, `job ${event.jobName} finished: ${result}`);
  }

  /** docs/behaviour.md#job-start-and-completion; true when the node was held. */
  private async autoHold(node: NodeRecord, job: string): Promise<boolean> {
    const db = this.host.ctx.db();
    const row = await db.jobs.getByName(job);
    const limit = row?.holdOnFailure ?? 0;
    if (limit <= 0) return false;
    // Fix docs/behaviour.md#job-start-and-completion: a held node with a NULL comment counts as "".
    const held = (await db.nodes.list({ state: 'hold' })).filter((n) =>
      (n.comment ?? '').includes(job),
    );
    if (held.length >= limit) {
      this.log.info(
        'Node id: %d has failed %s but %d nodes are already held for that job',
        node.id,
        job,
        held.length,
      );
      return false;
    }
    const ok = await db.nodes.setStateIf(node.id, ['building', 'ready', 'used', 'test'], 'hold', {
      comment: autoHoldComment(job),
    });
    if (ok) {
      this.log.info(
        { nodeId: node.id, job },
        'Node id: %d failed %s, automatically holding',
        node.id,
        job,
      );
      this.host.ctx.gaugesChanged();
    }
    return ok;
  }

  /** docs/behaviour.md#job-start-and-completion, fixed: relabel with the label name, then `test` → `ready`. False when that failed. */
  private async acceptTested(node: NodeRecord): Promise<boolean> {
    const { ctx } = this.host;
    const target = ctx.config().targets.find((t) => t.name === node.targetName);
    try {
      const m = target === undefined ? null : await this.jenkins.get(target);
      if (m !== null && node.nodename !== null) {
        const old = await m.relabelNode(node.nodename, [node.labelName], {
          signal: this.stopping.signal,
        });
        this.log.info(
          'Relabeled jenkins node id: %d from %s to %s',
          node.id,
          old ?? '[unlabeled]',
          node.labelName,
        );
      }
    } catch (err) {
      this.log.error(
        { err, nodeId: node.id },
        'Cannot relabel jenkins node id: %d after its test job',
        node.id,
      );
      return false;
    }
    if (!(await ctx.db().nodes.setStateIf(node.id, ['test'], 'ready'))) {
      this.log.info(
        'Node id: %d passed its test job but is no longer in state test: state unchanged',
        node.id,
      );
      return true;
    }
    this.log.info({ nodeId: node.id }, 'Node id: %d is ready', node.id);
    ctx.gaugesChanged();
    return true;
  }

  /** docs/behaviour.md#job-start-and-completion: delete after the delay (`DELETE_DELAY`), in the background. */
  private scheduleDelete(node: NodeRecord, reason: string): void {
    const { ctx } = this.host;
    const delayMs = ctx.timing.jobDeleteDelayMs;
    const stopping = AbortSignal.any([this.stopping.signal, ctx.signal]);
    this.pending.spawn(`delayed deletion of node ${node.id}`, async () => {
      try {
        if (delayMs > 0) await delay(delayMs, { signal: stopping });
        stopping.throwIfAborted();
      } catch {
        // Stopping: leave the node to the next start's cleanup instead of losing it for 8 h.
        if (await ctx.db().nodes.setStateIf(node.id, ['ready', 'used', 'test'], 'delete')) {
          this.log.info('Node id: %d marked for deletion on shutdown (%s)', node.id, reason);
        }
        return;
      }
      this.host.deleteNode(node.id, reason);
    });
  }
}
