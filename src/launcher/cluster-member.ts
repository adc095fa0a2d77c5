/**
 * The launcher as a member of a cluster of launchers (issue #15), behind the
 * `ClusterHooks` the cluster calls:
 *
 * - Leader duties: only the elected leader runs demand and allocation (`runPass`). Its
 *   launches of providers it owns start here; the others become launch requests for their
 *   owners, written once per pass, after their rows were inserted.
 * - Owner duties: on every pass the requests of each owned provider are taken and started
 *   (the spec rebuilt from the row and the config in force).
 * - Adoption: a provider this member takes over is recovered (`recoverProvider`) before its
 *   pending requests are taken. Release: new work stops, in-flight launches get the stop
 *   grace, then are aborted (their rows are left to the next owner's adoption).
 * - Launch policies: an owner that does not lead reports each launch end to the leader
 *   (`routedPolicies` in policy-routing.ts); the leader applies the reports before it allocates.
 * - Fencing: every launch, deletion and cron run derives its signal from
 *   `cluster.fenceSignal()` (see {@link ClusterMember.signal}), so a fence aborts them all at
 *   once.
 */
import type { Cluster, ClusterHooks, LaunchReport, LaunchRequest } from '../cluster/index.js';
import { stateCode } from '../db/index.js';
import type { SubnodeRecord } from '../db/index.js';
import { getLogger } from '../log/index.js';
import type { TaskGroup } from '../util/index.js';
import { delay, nextTurn, untilAborted } from '../util/index.js';
import type { LauncherContext } from './context.js';
import { launchNode } from './node-launcher.js';
import type { LaunchSpec } from './node-launcher.js';
import type { NodeDeleter } from './node-deleter.js';
import type { PassStarter } from './pass.js';
import type { LaunchPolicies } from './policies/index.js';
import { RequestBatches } from './request-batches.js';
import { recoverProvider } from './startup-recovery.js';
import type { RecoverySpared } from './startup-recovery.js';
import { launchSubnode } from './subnode-launcher.js';
import type { SubnodeLaunchSpec } from './subnode-launcher.js';

/** What a {@link ClusterMember} works with. */
export interface ClusterMemberDeps {
  /** The launcher's context (its `signal` should be {@link ClusterMember.signal}). */
  readonly ctx: LauncherContext;
  /** The cluster in force (null before the first config is applied). */
  readonly cluster: () => Cluster | null;
  readonly deleter: NodeDeleter;
  /** Owns the background launches. */
  readonly tasks: TaskGroup;
  /** Aborted when the launcher gives up in-flight work (end of its stop grace). */
  readonly stopSignal: AbortSignal;
  /** `--no-deletes`: adoption only marks left-over nodes `delete`. */
  readonly noDeletes: boolean;
  /** This member just became leader (send every global gauge). */
  readonly onLeader?: () => void;
  /** The launch policies' state (the leader applies the owners' reports to it). */
  readonly policies?: LaunchPolicies;
  /** `--no-launches`: an adopted provider's launch requests are left for a member that launches. */
  readonly noLaunches?: boolean;
}

/** The launches of one provider in the current term of ownership. */
interface ProviderWork {
  readonly abort: AbortController;
  readonly running: Set<Promise<void>>;
  /** The context its work runs in, and the member signal it was made for. */
  ctx: LauncherContext | null;
  base: AbortSignal | null;
}

const key = (kind: LaunchRequest['kind'], id: number): string => `${kind}:${id}`;

/** The launcher's side of the cluster contract; see the file comment. */
export class ClusterMember implements ClusterHooks {
  /** Node ids with a launch running here. */
  readonly launching = new Set<number>();
  /** Subnode ids with a launch running here. */
  readonly subLaunching = new Set<number>();
  private readonly work = new Map<string, ProviderWork>();
  /** Rows inserted by this leader for another owner whose request is not written yet. */
  private readonly unrequested = new Set<string>();
  private wasLeader = false;
  private term: { fence: AbortSignal; signal: AbortSignal } | null = null;

  constructor(private readonly deps: ClusterMemberDeps) {}

  private get log(): LauncherContext['log'] {
    return getLogger(this.deps.ctx.log, 'nodepool.NodePool', { part: 'cluster' });
  }

  /** The signal of the current fence term: aborted on stop (end of grace) or on a fence. */
  signal(): AbortSignal {
    const fence = this.deps.cluster()?.fenceSignal();
    if (fence === undefined) return this.deps.stopSignal;
    if (this.term?.fence !== fence)
      this.term = { fence, signal: AbortSignal.any([this.deps.stopSignal, fence]) };
    return this.term.signal;
  }

  isLeader(): boolean {
    return this.deps.cluster()?.isLeader() ?? false;
  }

  owns(provider: string): boolean {
    return this.deps.cluster()?.owns(provider) ?? false;
  }

  /** The providers this member owns now (none before the cluster is built). */
  ownedProviders(): readonly string[] {
    return this.deps.cluster()?.ownedProviders() ?? [];
  }

  /** Launches in flight here (any provider). */
  get inFlight(): number {
    return this.launching.size + this.subLaunching.size;
  }

  private workOf(provider: string): ProviderWork {
    let w = this.work.get(provider);
    if (w === undefined) {
      w = {
        abort: new AbortController(),
        running: new Set(),
        ctx: null,
        base: null,
      };
      this.work.set(provider, w);
    }
    return w;
  }

  /**
   * The context of `w`'s work: its signal also follows the provider's term. Made once per
   * term and member signal, not per launch (each `AbortSignal.any` costs a launch start
   * about 15 µs and the garbage collector more).
   */
  private contextOf(w: ProviderWork): LauncherContext {
    const base = this.signal();
    if (w.ctx === null || w.base !== base) {
      w.base = base;
      w.ctx = {
        ...this.deps.ctx,
        signal: AbortSignal.any([base, w.abort.signal]),
      };
    }
    return w.ctx;
  }

  /** Runs `fn` in the background with a context whose signal also follows `provider`'s term. */
  private spawn(provider: string, name: string, fn: (ctx: LauncherContext) => Promise<unknown>) {
    const w = this.workOf(provider);
    const ctx = this.contextOf(w);
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    w.running.add(done);
    this.deps.tasks.spawn(name, async () => {
      try {
        await fn(ctx);
      } finally {
        w.running.delete(done);
        finish();
      }
    });
  }

  /** Starts a node launch here. */
  startLaunch(spec: LaunchSpec): void {
    this.launching.add(spec.nodeId);
    this.spawn(spec.provider.name, `launch node ${spec.nodeId}`, async (ctx) => {
      try {
        await launchNode(ctx, spec, (id, reason) => this.deps.deleter.deleteNode(id, reason));
      } finally {
        this.launching.delete(spec.nodeId);
      }
    });
  }

  /** Starts a subnode launch here. */
  startSubnodeLaunch(spec: SubnodeLaunchSpec): void {
    this.subLaunching.add(spec.subnodeId);
    this.spawn(spec.provider.name, `launch subnode ${spec.subnodeId}`, async (ctx) => {
      try {
        await launchSubnode(ctx, spec);
      } finally {
        this.subLaunching.delete(spec.subnodeId);
      }
    });
  }

  /**
   * Sends a launch end to the leader (in the background; a failure is logged). False when no
   * cluster is in force (a reconfigure replacing it): the caller applies it locally.
   */
  reportLaunchEnd(report: LaunchReport): boolean {
    const cluster = this.deps.cluster();
    if (cluster === null) return false;
    this.deps.tasks.spawn(`report a launch end of ${report.provider}`, async () => {
      try {
        await cluster.reportLaunchEnds([report]);
      } catch (err) {
        this.log.warn(
          { err, report },
          'Cannot report a launch end of provider %s to the leader: its launch policies miss it',
          report.provider,
        );
      }
    });
    return true;
  }

  /** The leader applies the owners' launch reports of configured providers. */
  private async applyReports(cluster: Cluster): Promise<void> {
    const policies = this.deps.policies;
    if (policies === undefined) return;
    let reports: LaunchReport[];
    try {
      reports = await cluster.takeLaunchReports();
    } catch (err) {
      this.log.warn({ err }, 'Cannot read the launch reports of the other launchers');
      return;
    }
    const configured = new Set(this.deps.ctx.config().providers.map((p) => p.name));
    for (const r of reports) if (configured.has(r.provider)) policies.applyReport(this.deps.ctx, r);
  }

  /**
   * One pass as a member: the owner duties, then (leader only) `run`, the allocation pass,
   * with a starter that starts owned providers' launches here and requests the others.
   * Resolves null when this member is not the leader.
   */
  async pass<T>(run: (starter: PassStarter) => Promise<T>): Promise<T | null> {
    try {
      // A ZooKeeper call waits for the connection; once fenced, the pass stops waiting for it
      // (the loop must go on through a ZooKeeper outage: health, deletions of other rows).
      const fence = this.deps.cluster()?.fenceSignal();
      await untilAborted(this.takeRequests(), fence);
    } catch (err) {
      // Allocation goes on; the requests stay for the next pass.
      this.log.warn({ err }, 'Cannot take the launch requests of the owned providers');
    }
    const cluster = this.deps.cluster();
    if (cluster === null || !cluster.isLeader()) return null;
    try {
      await untilAborted(this.applyReports(cluster), cluster.fenceSignal());
    } catch (err) {
      this.log.warn({ err }, 'Fenced while reading the launch reports: no allocation this pass');
      return null;
    }
    // Requests go out while the pass goes on, not once at its end: a pass that inserts
    // thousands of rows would otherwise leave the other owners' clouds idle until its last
    // insert (the `launcher-cluster-throughput` bench).
    const batches = new RequestBatches((batch) => this.sendRequests(cluster, batch));
    const request = (r: LaunchRequest): void => {
      this.unrequested.add(key(r.kind, r.id));
      batches.add(r);
    };
    // This member's own launches start when the pass has inserted its rows, after the other
    // owners' requests are on their way: a pass inserts rows without a turn of the event loop
    // (an embedded database), and starting thousands of launches in between held up both the
    // inserts and those requests. Marked as launching at once, so no orphan rule takes them.
    const local: Array<() => void> = [];
    const starter: PassStarter = {
      launch: (spec) => {
        if (!cluster.owns(spec.provider.name))
          return request({ provider: spec.provider.name, kind: 'node', id: spec.nodeId });
        this.launching.add(spec.nodeId);
        local.push(() => this.startLaunch(spec));
      },
      launchSubnode: (spec) => {
        if (!cluster.owns(spec.provider.name))
          return request({ provider: spec.provider.name, kind: 'subnode', id: spec.subnodeId });
        this.subLaunching.add(spec.subnodeId);
        local.push(() => this.startSubnodeLaunch(spec));
      },
    };
    try {
      return await run(starter);
    } finally {
      // The requests go over before thousands of launch starts hold the event loop.
      await batches.handedOver();
      await nextTurn();
      for (const start of local) start();
      await batches.end();
    }
  }

  /** Writes one batch of launch requests; never rejects (a failure is logged). */
  private async sendRequests(cluster: Cluster, chunk: readonly LaunchRequest[]): Promise<void> {
    try {
      await cluster.requestLaunches(chunk);
    } catch (err) {
      // The rows stay `building`: their owner's cleanup reaps them after the orphan grace.
      this.log.error({ err }, 'Cannot request %d launches from their owners', chunk.length);
    } finally {
      for (const r of chunk) this.unrequested.delete(key(r.kind, r.id));
    }
  }

  /**
   * Deletes a node the leader marked `delete` (ready-node policies) if this member owns its
   * provider; otherwise its owner does (the `cleanup` cron, or the wake-up of the row).
   */
  deleteNode(nodeId: number, reason: string): void {
    this.deps.tasks.spawn(`hand node ${nodeId} to its owner`, async () => {
      const row = await this.deps.ctx.db().nodes.get(nodeId);
      if (row !== undefined && this.owns(row.providerName))
        this.deps.deleter.deleteNode(nodeId, reason);
    });
  }

  /** The owner duty: takes and starts the launch requests of every owned provider. */
  async takeRequests(): Promise<number> {
    const cluster = this.deps.cluster();
    if (cluster === null) return 0;
    // Every owned provider's requests taken at once (a round trip or two each), then started
    // together: one read of their rows. What was taken is started even when another
    // provider's take failed (its requests stay for the next pass; the failure is thrown).
    const taken = await Promise.allSettled(
      cluster.ownedProviders().map((provider) => cluster.takeLaunchRequests(provider)),
    );
    const started = await this.startRequests(
      taken.flatMap((t) => (t.status === 'fulfilled' ? t.value : [])),
    );
    const failed = taken.find((t) => t.status === 'rejected');
    // The leader inserted these rows; this owner sends its providers' gauges.
    if (started > 0) this.deps.ctx.gaugesChanged();
    if (failed !== undefined) throw failed.reason;
    return started;
  }

  /** Starts requested launches whose rows are still `building`; drops the others. */
  private async startRequests(requests: readonly LaunchRequest[]): Promise<number> {
    const db = this.deps.ctx.db();
    const config = this.deps.ctx.config();
    const building = stateCode('building');
    let started = 0;
    const subs = new Map<number, SubnodeRecord | undefined>();
    for (const r of requests) if (r.kind === 'subnode') subs.set(r.id, await db.subnodes.get(r.id));
    // One query for the lot: a leader's pass can hand over thousands at once.
    const rows = await db.nodes.getMany(
      requests.map((r) => (r.kind === 'node' ? r.id : (subs.get(r.id)?.nodeId ?? -1))),
    );
    for (const r of requests) {
      const sub = r.kind === 'subnode' ? subs.get(r.id) : undefined;
      const row = rows.get(sub === undefined ? r.id : sub.nodeId);
      const isLive =
        r.kind === 'node'
          ? row?.state === building && !this.launching.has(r.id)
          : sub?.state === building && row !== undefined && !this.subLaunching.has(r.id);
      if (row === undefined || !isLive) {
        this.log.debug(
          'Launch request for %s %d dropped: its row is gone or moved on',
          r.kind,
          r.id,
        );
        continue;
      }
      const label = config.labels.find((l) => l.name === row.labelName);
      const provider = config.providers.find((p) => p.name === row.providerName);
      const target = config.targets.find((t) => t.name === row.targetName);
      if (label === undefined || provider === undefined || target === undefined) {
        // Left `building`: the cleanup cron's orphan rule deletes it.
        this.log.warn(
          'Launch request for %s %d dropped: its label, provider or target is not configured',
          r.kind,
          r.id,
        );
        continue;
      }
      const spec: LaunchSpec = { nodeId: row.id, label, provider, target, az: row.az };
      if (sub === undefined) this.startLaunch(spec);
      else this.startSubnodeLaunch({ ...spec, subnodeId: sub.id, manager: row.managerName });
      started++;
    }
    return started;
  }

  /**
   * The rows no orphan rule may touch: a launch running here, a row this leader has not
   * requested yet, or a pending request of `providers`.
   */
  async spared(providers: readonly string[]): Promise<RecoverySpared> {
    const cluster = this.deps.cluster();
    const pending = new Set<string>();
    for (const p of providers)
      for (const r of (await cluster?.pendingLaunchRequests(p)) ?? [])
        pending.add(key(r.kind, r.id));
    const has = (kind: LaunchRequest['kind'], id: number): boolean =>
      pending.has(key(kind, id)) || this.unrequested.has(key(kind, id));
    return {
      node: (id) => this.launching.has(id) || has('node', id),
      subnode: (id) => this.subLaunching.has(id) || has('subnode', id),
    };
  }

  async adopt(provider: string, signal: AbortSignal): Promise<void> {
    const cluster = this.deps.cluster();
    if (cluster === null) return;
    const r = await recoverProvider(this.deps.ctx, this.deps.deleter, provider, {
      noDeletes: this.deps.noDeletes,
      spared: () => this.spared([provider]),
    });
    if (r.nodes + r.subnodes > 0)
      this.log.info(
        'Adopted provider %s: %d building nodes and %d building subnodes to delete',
        provider,
        r.nodes,
        r.subnodes,
      );
    signal.throwIfAborted();
    if (this.deps.noLaunches === true) {
      this.deps.ctx.gaugesChanged();
      return; // its requests wait for a member that launches
    }
    const started = await this.startRequests(await cluster.takeLaunchRequests(provider));
    if (started > 0) this.log.info('Adopted provider %s: %d requested launches', provider, started);
    this.deps.ctx.gaugesChanged();
  }

  async release(provider: string): Promise<void> {
    const w = this.work.get(provider);
    this.work.delete(provider);
    if (w === undefined || w.running.size === 0) return;
    const graceMs = this.deps.ctx.timing.stopGraceMs;
    this.log.info(
      'Releasing provider %s: waiting up to %d ms for %d launches',
      provider,
      graceMs,
      w.running.size,
    );
    const all = Promise.all([...w.running]);
    const drained = new AbortController();
    // A stop or a fence meanwhile ends the grace at once.
    const grace = delay(graceMs, {
      signal: AbortSignal.any([drained.signal, this.signal()]),
    }).catch(() => {});
    await Promise.race([all, grace]);
    drained.abort();
    if (w.running.size > 0)
      this.log.warn('Provider %s released: abandoning %d launches', provider, w.running.size);
    w.abort.abort(new Error(`provider ${provider} released`));
    await all;
  }

  changed(): void {
    const isLeader = this.isLeader();
    if (isLeader !== this.wasLeader) this.deps.policies?.leadershipChanged(this.deps.ctx);
    if (isLeader && !this.wasLeader) {
      this.log.info('This launcher is now the leader');
      this.deps.onLeader?.();
    }
    this.wasLeader = isLeader;
    this.deps.ctx.wake();
  }

  fenced(reason: string): void {
    this.log.error(
      'Fenced (%s): aborting %d launches and every deletion and cron run',
      reason,
      this.inFlight,
    );
    if (this.wasLeader) this.deps.policies?.leadershipChanged(this.deps.ctx);
    this.wasLeader = false;
    for (const w of this.work.values()) w.abort.abort(new Error(`fenced: ${reason}`));
    this.work.clear();
    this.deps.ctx.wake();
  }
}
