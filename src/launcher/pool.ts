/**
 * The launcher service (upstream `NodePool`): start-up recovery, the main loop, launches and
 * deletions in the background, the crons, and a graceful stop.
 *
 * The loop runs a pass at once when something changes (a launch or deletion ends, a new
 * image upload, a config file change, `wake()` from Jenkins/Gearman events) and at least
 * every `intervalMs`. Launches and deletions are async state machines owned by one
 * TaskGroup; the providers' task queues are the only throttle on cloud calls, and every
 * database access is one short query on the bounded pool.
 */
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import { illegalStateError } from '../errors.js';
import type { Provider } from '../provider/index.js';
import { createStatsFromEnv } from '../stats/index.js';
import type { Stats } from '../stats/index.js';
import { BaseService, CronScheduler, TaskGroup, Wakeup, delay } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { ActivityCounters, NodeHistory, stateCountsOf } from '../status/index.js';
import { createHealthSource, createStatusSource } from '../web/index.js';
import type { HealthSource, StatusSource } from '../web/index.js';
import { ImageBuilds } from '../zk/index.js';
import { AllocationHistory } from './allocation/index.js';
import { DEFAULT_TIMING } from './context.js';
import type { LauncherContext, LauncherTiming } from './context.js';
import { runCheck } from './cron/check.js';
import { LeakTracker, runCleanup } from './cron/cleanup.js';
import type { CleanupDeps } from './cron/cleanup.js';
import { GaugeReporter, gaugeGroups } from './gauges.js';
import { launcherHealthProbes } from './health.js';
import type { LauncherDiagnostics, LauncherOptions, LauncherService } from './launcher-options.js';
import { NodeDeleter } from './node-deleter.js';
import { deleteMarkedNodes } from './delete-marked.js';
import { pollForeignChanges } from './change-poller.js';
import { runPass } from './pass.js';
import { runMinuteTicker } from './policies/index.js';
import { LaunchPolicies } from './policies/index.js';
import { LauncherRuntime } from './launcher-runtime.js';
import { ClusterMember } from './cluster-member.js';
import { routedPolicies } from './policy-routing.js';
import { ownedBy } from './cron/owned.js';
import { LoginSlots } from '../ssh/index.js';
import { DEFAULT_MAX_CONCURRENT_LOGINS } from './node-ssh.js';

/** The pool service; build it with `createLauncherService`. */
export class LauncherPool extends BaseService implements LauncherService {
  private readonly log: Logger;
  private readonly stats: Stats;
  private readonly ownsStats: boolean;
  private readonly timing: LauncherTiming;
  private readonly wakeup = new Wakeup();
  /** Background work: the loop, launches, deletions. */
  private readonly tasks: TaskGroup;
  /** Aborted when in-flight work must give up (end of the stop grace). */
  private readonly work = new AbortController();
  private readonly runtime: LauncherRuntime;
  private readonly ctx: LauncherContext;
  private readonly deleter: NodeDeleter;
  private readonly gauges: GaugeReporter;
  private readonly scheduler: CronScheduler;
  private readonly leaks = new LeakTracker();
  private readonly history = new AllocationHistory();
  /** What the status web app shows beyond the database and ZooKeeper. */
  private readonly activity = new ActivityCounters();
  private readonly nodeHistory = new NodeHistory();
  /** Whether a status web app reads {@link statusSource}: only then is the node history kept. */
  private isStatusShown = false;
  private readonly refreshed = new WeakMap<Provider, number>();
  /** Leader and owner duties, adoption, release and fencing (issue #15). */
  private readonly member: ClusterMember;
  /** Marked nodes whose deletion a pass started once (retries are the cleanup cron's). */
  private readonly markedStarted = new Set<number>();
  private passCount = 0;
  private gaugesResentAt = 0;
  private lastPassAt: number | null = null;
  private lastPassMs: number | null = null;
  private startedAt: number | null = null;

  constructor(private readonly options: LauncherOptions) {
    super();
    this.log = options.log;
    this.ownsStats = options.stats === undefined;
    this.stats =
      options.stats ??
      createStatsFromEnv(process.env, {
        onError: (err) => this.log.debug({ err }, 'statsd send failed'),
      });
    this.timing = {
      ...DEFAULT_TIMING,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...options.timing,
    };
    this.tasks = new TaskGroup((err, name) =>
      this.log.error({ err }, 'Launcher task %s failed', name),
    );
    this.runtime = new LauncherRuntime({
      configPath: options.configPath,
      securePath: options.securePath,
      log: this.log,
      dbPoolMax: options.dbPoolMax ?? 10,
      onChange: () => this.wake(),
      ...(options.launcherName !== undefined ? { launcherName: options.launcherName } : {}),
      ...(options.createCluster ? { createCluster: options.createCluster } : {}),
      noLaunches: options.noLaunches,
      clusterHooks: {
        adopt: (provider, signal) => this.member.adopt(provider, signal),
        release: (provider) => this.member.release(provider),
        changed: () => this.member.changed(),
        fenced: (reason) => this.member.fenced(reason),
      },
      providerDeps: {
        log: this.log,
        stats: this.stats,
        ...(options.providerTuning ? { tuning: options.providerTuning } : {}),
      },
      ...(options.drivers ? { drivers: options.drivers } : {}),
    });
    const runtime = this.runtime;
    const member = (): ClusterMember => this.member;
    const policies = new LaunchPolicies();
    this.ctx = {
      log: this.log,
      stats: this.stats,
      timing: this.timing,
      ssh: options.ssh ?? {},
      sshSlots: new LoginSlots(options.ssh?.maxConcurrentLogins ?? DEFAULT_MAX_CONCURRENT_LOGINS),
      jenkins: options.jenkins ?? {},
      gearman: options.gearman ?? {},
      // Follows the fence term: work started after a fence gets the new term's signal.
      get signal() {
        return member().signal();
      },
      config: () => required(runtime.config, 'config'),
      db: () => required(runtime.db, 'database'),
      provider: (name) => runtime.providers.get(name),
      images: () => runtime.images,
      wake: () => this.wake(),
      // The reporter sends only this member's share (GaugeScope).
      gaugesChanged: () => this.gauges.changed(),
      activity: this.activity,
      ...(options.clock ? { clock: options.clock } : {}),
      // An owner that does not lead reports its launch ends to the leader.
      policies: routedPolicies(policies, member),
    };
    this.deleter = new NodeDeleter(this.ctx, this.tasks);
    this.member = new ClusterMember({
      ctx: this.ctx,
      cluster: () => runtime.cluster,
      deleter: this.deleter,
      tasks: this.tasks,
      stopSignal: this.work.signal,
      noDeletes: options.noDeletes,
      noLaunches: options.noLaunches,
      policies,
      onLeader: () => this.gauges.changed(),
    });
    this.gauges = new GaugeReporter(
      this.stats,
      async () => ({ config: this.ctx.config(), nodes: await gaugeGroups(this.ctx.db()) }),
      this.log,
      // Provider gauges from the owner, the others from the leader.
      this.member,
    );
    this.scheduler = new CronScheduler(this.log);
    for (const i of options.integrations ?? [])
      i.attach({
        ctx: this.ctx,
        deleteNode: (id, reason) => this.deleter.deleteNode(id, reason),
        owns: (provider) => this.member.owns(provider),
        isLeader: () => this.member.isLeader(),
      });
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.log.info('Launcher %s (was %s)', to, from);
  }

  /** Runs a pass as soon as possible. */
  wake(): void {
    this.wakeup.wake();
  }

  get passes(): number {
    return this.passCount;
  }

  protected async doStart(): Promise<void> {
    const { noDeletes, noLaunches } = this.options;
    this.log.info({ noDeletes, noLaunches }, 'Starting the launcher');
    this.startedAt = Date.now();
    if (this.options.watchConfig !== false) this.runtime.watchFiles();
    // Compat: a start-up failure (bad config, database down) is logged and the loop starts
    // anyway; it retries on every pass.
    await this.prepare();
    this.tasks.spawn('main loop', () => this.loop());
    this.tasks.spawn('change poller', () => pollForeignChanges(this.ctx, this.log, this.signal));
    this.tasks.spawn('minute ticker', () =>
      runMinuteTicker({
        clock: this.options.clock ?? { now: () => Date.now(), sleep: (ms, o) => delay(ms, o) },
        hasSchedule: () =>
          this.runtime.config?.labels.some((l) => l.minReadySchedule !== undefined) ?? false,
        wake: () => this.wake(),
        signal: this.signal,
      }),
    );
  }

  /** The status web app reads the config, ZooKeeper and database in force at each request. */
  statusSource(): StatusSource {
    const runtime = this.runtime;
    const clock = this.options.clock;
    this.isStatusShown = true;
    return createStatusSource({
      config: () => runtime.config,
      imageBuilds: () => {
        const client = runtime.images?.client;
        return client === undefined ? null : new ImageBuilds(client);
      },
      database: () => runtime.db,
      history: this.nodeHistory,
      counters: this.activity,
      // `/launcher-list` and the status page's Launchers: the cluster in force.
      launchers: () => runtime.cluster?.list() ?? Promise.resolve([]),
      ...(clock ? { now: () => clock.now() } : {}),
    });
  }

  /** The health checks read the loop's last pass and the clients in force at each request. */
  healthSource(): HealthSource {
    const runtime = this.runtime;
    return createHealthSource(
      launcherHealthProbes({
        state: () => this.state,
        lastPassAt: () => this.lastPassAt,
        startedAt: () => this.startedAt,
        intervalMs: this.timing.intervalMs,
        config: () => runtime.config,
        db: () => runtime.db,
        zookeeper: () => runtime.images?.client ?? null,
        provider: (name) => runtime.providers.get(name),
      }),
    );
  }

  /** Loads config when due; true once a config is in force. */
  private async prepare(): Promise<boolean> {
    const due =
      this.runtime.isDirty || Date.now() - this.runtime.lastLoadAt >= this.timing.intervalMs;
    if (due) {
      const ok = await this.runtime.reload(this.signal);
      if (ok) {
        this.installCrons();
        await this.configureIntegrations();
      }
    }
    // The start-up recovery runs per provider when the cluster hands it to this launcher
    // (`ClusterMember.adopt`).
    return this.runtime.config !== null;
  }

  /** Hands the config now in force to each integration (Jenkins, ZeroMQ, Gearman). */
  private async configureIntegrations(): Promise<void> {
    for (const i of this.options.integrations ?? []) {
      try {
        await i.configure(this.ctx.config());
      } catch (err) {
        this.log.error({ err }, 'Cannot configure the %s integration', i.name);
      }
    }
  }

  /** Stops each integration on its own, so one failure does not skip the others. */
  private async stopIntegrations(): Promise<void> {
    for (const i of this.options.integrations ?? []) {
      try {
        await i.stop();
      } catch (err) {
        this.log.error({ err }, 'Cannot stop the %s integration cleanly', i.name);
      }
    }
  }

  /** The rows the cleanup cron may touch: those of owned providers (see `cron/owned.ts`). */
  private async cleanupDeps(): Promise<CleanupDeps> {
    const owns = ownedBy(this.member, this.ctx.config());
    const cluster = this.runtime.cluster;
    const spared = await this.member.spared(cluster?.ownedProviders() ?? []);
    return {
      deleter: this.deleter,
      leaks: this.leaks,
      launches: { hasNode: (id) => spared.node(id), hasSubnode: (id) => spared.subnode(id) },
      owns,
    };
  }

  /** A cron run: only on owned providers' rows, aborted by a stop or a fence. */
  private cron(name: 'cleanup' | 'check', signal: AbortSignal): Promise<void> {
    const both = AbortSignal.any([signal, this.member.signal()]);
    if (name === 'check')
      return runCheck(this.ctx, this.deleter, both, ownedBy(this.member, this.ctx.config()));
    return this.cleanupDeps().then((deps) => runCleanup(this.ctx, deps, both));
  }

  private installCrons(): void {
    if (this.options.noDeletes) return;
    const cron = this.ctx.config().cron;
    this.scheduler.set([
      {
        name: 'cleanup',
        parserSpec: cron.cleanup.parserSpec,
        run: (signal) => this.cron('cleanup', signal),
      },
      {
        name: 'check',
        parserSpec: cron.check.parserSpec,
        run: (signal) => this.cron('check', signal),
      },
    ]);
  }

  private async loop(): Promise<void> {
    const signal = this.signal;
    while (!signal.aborted) {
      await this.runOnce();
      try {
        await this.wakeup.wait(this.timing.intervalMs, { signal });
      } catch {
        return; // stopping
      }
    }
  }

  /** One iteration: reload when due, then a pass. Errors are logged; the loop goes on. */
  private async runOnce(): Promise<void> {
    const started = Date.now();
    try {
      if (!(await this.prepare()) || this.signal.aborted) return;
      // Marked nodes of the owned providers go at once, not at the next cleanup cron.
      if (!this.options.noDeletes)
        await deleteMarkedNodes(this.ctx, this.deleter, {
          attempted: this.markedStarted,
          providers: this.member.ownedProviders(),
        });
      if (this.options.noLaunches) return;
      // Owner duties on every member; allocation on the leader only.
      const result = await this.member.pass((starter) =>
        runPass(this.ctx, {
          history: this.history,
          jenkins: this.ctx.jenkins,
          ...(this.options.demandSource ? { demandSource: this.options.demandSource } : {}),
          starter,
          refreshed: this.refreshed,
          // The ready-node policies mark rows `delete`; the owner of each deletes it.
          ...(this.options.noDeletes
            ? {}
            : { deleteNode: (id: number, reason: string) => this.member.deleteNode(id, reason) }),
        }),
      );
      // Each member resends its share of the gauges at least every interval: rows another
      // member changed (the leader inserting, an owner launching) show too.
      if (Date.now() - this.gaugesResentAt >= this.timing.intervalMs) {
        this.gaugesResentAt = Date.now();
        this.gauges.changed();
      }
      if (this.isStatusShown)
        this.nodeHistory.record(stateCountsOf(await this.ctx.db().nodes.countBy(['state'])));
      if (result !== null && result.launches + result.subnodeLaunches > 0) {
        this.log.info(
          'Pass started %d launches and %d subnode launches (%d nodes)',
          result.launches,
          result.subnodeLaunches,
          result.nodes,
        );
      }
    } catch (err) {
      if (!this.signal.aborted) this.log.error({ err }, 'Launcher pass failed');
    } finally {
      this.passCount++;
      this.lastPassAt = Date.now();
      this.lastPassMs = this.lastPassAt - started;
    }
  }

  async runCron(name: 'cleanup' | 'check'): Promise<void> {
    if (this.runtime.config === null)
      throw illegalStateError(`Cannot run cron ${name}: no config loaded`, this.state);
    await this.cron(name, this.work.signal);
  }

  /**
   * Stops the loop and the crons, lets launches and deletions finish for `stopGraceMs`,
   * then aborts them (launches are left `building` for the next start-up), and closes the
   * providers, ZooKeeper and the database.
   */
  protected async doStop(): Promise<void> {
    this.wakeup.wake();
    const steps: Array<[string, () => Promise<void>]> = [
      ['crons', () => this.scheduler.stop()],
      ['in-flight work', () => this.drainWithGrace()],
      // After the drain: launches and deletions still call Jenkins and Gearman.
      ['integrations', () => this.stopIntegrations()],
      ['gauges', () => this.gauges.idle()],
      ['clients', () => this.runtime.close()],
      ['statsd', () => (this.ownsStats ? this.stats.close() : Promise.resolve())],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err }, 'Cannot stop %s cleanly', what);
      }
    }
  }

  private async drainWithGrace(): Promise<void> {
    const grace = new AbortController();
    const drained = this.tasks.drain().finally(() => grace.abort());
    const inFlight = this.member.inFlight + this.deleter.inFlight.length;
    if (inFlight > 0)
      this.log.info(
        'Waiting up to %d ms for %d launches/deletions to finish',
        this.timing.stopGraceMs,
        inFlight,
      );
    try {
      await delay(this.timing.stopGraceMs, { signal: grace.signal });
      this.log.warn(
        'Stop grace over: abandoning %d launches and %d deletions',
        this.member.inFlight,
        this.deleter.inFlight.length,
      );
    } catch {
      // drained in time
    }
    this.work.abort(new Error('launcher stopping'));
    await drained;
  }

  diagnostics(): LauncherDiagnostics {
    const db: Database | null = this.runtime.db;
    const pool = (db?.knex.client as { pool?: unknown } | undefined)?.pool as
      { numUsed?(): number; numFree?(): number; numPendingAcquires?(): number } | undefined;
    const config: CompiledConfig | null = this.runtime.config;
    return {
      state: this.state,
      passes: this.passCount,
      lastPassAt: this.lastPassAt === null ? null : new Date(this.lastPassAt).toISOString(),
      lastPassMs: this.lastPassMs,
      launchesInFlight: [...this.member.launching],
      subnodeLaunchesInFlight: [...this.member.subLaunching],
      deletesInFlight: this.deleter.inFlight,
      instanceDeletesInFlight: this.deleter.instancesInFlight,
      cronsRunning: this.scheduler.running,
      config: {
        loads: this.runtime.loads,
        lastLoadAt:
          this.runtime.lastLoadAt === 0 ? null : new Date(this.runtime.lastLoadAt).toISOString(),
        path: this.options.configPath,
      },
      database:
        db === null
          ? null
          : {
              dialect: db.dialect,
              poolMax: db.poolMax,
              used: pool?.numUsed?.() ?? 0,
              free: pool?.numFree?.() ?? 0,
              pendingAcquires: pool?.numPendingAcquires?.() ?? 0,
            },
      providers: config?.providers.map((p) => p.name) ?? [],
      cluster: this.clusterStatus(),
      integrations: this.integrationStatus(),
    };
  }

  private clusterStatus(): LauncherDiagnostics['cluster'] {
    const c = this.runtime.cluster;
    if (c === null) return null;
    return { name: c.self, leader: c.isLeader(), owned: [...c.ownedProviders()] };
  }

  /** Each integration's status; one that throws is reported, not fatal to the report. */
  private integrationStatus(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const i of this.options.integrations ?? []) {
      if (i.status === undefined) continue;
      try {
        out[i.name] = i.status();
      } catch (err) {
        out[i.name] = { error: err instanceof Error ? err.message : String(err) };
      }
    }
    return out;
  }
}

function required<T>(value: T | null, what: string): T {
  if (value === null)
    throw illegalStateError(
      `Cannot use the ${what}: no configuration is in force yet`,
      'unconfigured',
    );
  return value;
}
