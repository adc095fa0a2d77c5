/**
 * The ZooKeeper cluster of launchers (see znodes.ts for the tree, docs/cluster.md for the
 * protocols). Everything that reads or changes membership, leadership and claims runs in one
 * reconcile loop, one pass at a time, re-run on watches, session events, setProviders() and
 * failures; no in-process lock is ever held across a ZooKeeper call.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { NodepoolError, illegalStateError } from '../errors.js';
import { createLogger } from '../log/index.js';
import type { ZkClient, ZkSessionEvent } from '../zk/index.js';
import { rendezvousOwner } from './rendezvous.js';
import { defaultLauncherName } from './solo.js';
import type {
  Cluster,
  ClusterHooks,
  LaunchReport,
  LaunchRequest,
  LauncherListEntry,
} from './types.js';
import { ClaimTable } from './zk-claims.js';
import { SessionScope } from './zk-session.js';
import {
  putLaunchReports,
  putLaunchRequests,
  readLaunchRequests,
  readLauncherList,
  readMembers,
  removeLaunchReports,
  removeLaunchRequests,
} from './zk-store.js';
import { REPORTS_DIR } from './znodes.js';
import { SessionWatchdog } from './watchdog.js';

/** How long `stop()` lets a running pass finish before cutting it. */
const STOP_WAIT_MS = 5000;

/** Whether `p` (null: nothing) settles within `ms`. */
async function settlesWithin(p: Promise<void> | null, ms: number): Promise<boolean> {
  if (p === null) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link ZkCluster}. */
export interface ZkClusterOptions {
  /** A started client; the cluster never stops it. */
  readonly client: ZkClient;
  /** @default `${hostname()}-${process.pid}` */
  readonly name?: string;
  /** @default os.hostname() */
  readonly host?: string;
  /** @default process.pid */
  readonly pid?: number;
  /** @default Date.now() at creation */
  readonly sinceMs?: number;
  /** Share of the negotiated session timeout after which a silent member fences. @default 2/3 */
  readonly fenceFraction?: number;
  /** Delay before a failed pass or a failed adoption is retried. @default 2000 */
  readonly retryMs?: number;
  /**
   * False for `--no-launches`: the member never joins the election and owns providers only
   * while no member that launches is live. @default true
   */
  readonly launches?: boolean;
  readonly log?: Logger;
}

/** A launcher of a cluster coordinated through ZooKeeper. */
export class ZkCluster implements Cluster {
  readonly self: string;
  private readonly client: ZkClient;
  /** Request directories this member made or found (see putLaunchRequests). */
  private readonly requestDirs = new Set<string>();
  private readonly log: Logger;
  private readonly retryMs: number;
  private readonly launches: boolean;
  private readonly session: SessionScope;
  private readonly claims: ClaimTable;
  private readonly watchdog: SessionWatchdog;
  private hooks: ClusterHooks | null = null;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private providers: readonly string[] = [];
  private leader = false;
  private fenced = false;
  private fence = new AbortController();
  private dirty = false;
  private loop: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(options: ZkClusterOptions) {
    this.client = options.client;
    this.self = options.name ?? defaultLauncherName();
    this.log = (options.log ?? createLogger({ level: 'silent' })).child({
      component: 'cluster',
      launcher: this.self,
    });
    this.retryMs = options.retryMs ?? 2000;
    this.launches = options.launches ?? true;
    const since = Math.floor((options.sinceMs ?? Date.now()) / 1000);
    this.session = new SessionScope(
      this.client,
      {
        name: this.self,
        host: options.host ?? hostname(),
        pid: options.pid ?? process.pid,
        since,
        ...(this.launches ? {} : { launches: false }),
      },
      randomBytes(8).toString('hex'),
      () => this.kick(),
    );
    this.claims = new ClaimTable(this.client, this.session, this.self, this.retryMs, this.log);
    this.watchdog = new SessionWatchdog({
      zk: this.client,
      fraction: options.fenceFraction,
      log: this.log,
      onDeadline: (ms) => this.doFence(`no answer from ZooKeeper for ${ms} ms`),
      onAlive: () => this.kick(),
    });
  }

  async start(hooks: ClusterHooks): Promise<void> {
    if (this.state !== 'new')
      throw illegalStateError('The cluster member was started before', this.state);
    this.hooks = hooks;
    this.state = 'running';
    this.unsubscribe = this.client.onSessionEvent((e) => this.onSession(e));
    try {
      await this.client.waitConnected();
      await this.session.register(this.client.generation);
    } catch (err) {
      this.state = 'stopped';
      this.unsubscribe();
      this.hooks = null;
      throw err;
    }
    this.watchdog.start();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.watchdog.stop();
    if (!(await settlesWithin(this.loop, STOP_WAIT_MS))) {
      // A pass stuck on ZooKeeper (or in adopt): cut its session calls and its cloud work.
      this.session.end();
      this.fence.abort(
        new NodepoolError(`Launcher ${this.self} stopping`, { code: 'ERR_LAUNCHER_FENCED' }),
      );
      await this.loop;
    }
    const hooks = this.hooks;
    this.leader = false;
    const limit = AbortSignal.timeout(5000);
    try {
      if (hooks !== null) await this.claims.releaseAll(hooks, limit);
    } finally {
      await this.session.leave(limit).catch((err: unknown) => {
        this.log.warn({ err }, 'Leaving the cluster failed; the end of the session does it');
      });
      this.unsubscribe?.();
      this.session.end();
      this.state = 'stopped';
    }
  }

  setProviders(names: readonly string[]): void {
    this.providers = [...new Set(names)];
    this.kick();
  }

  isLeader(): boolean {
    return this.state === 'running' && !this.fenced && this.leader;
  }

  owns(provider: string): boolean {
    return !this.fenced && this.claims.owned.has(provider);
  }

  ownedProviders(): readonly string[] {
    return this.fenced ? [] : [...this.claims.owned].sort();
  }

  fenceSignal(): AbortSignal {
    return this.fence.signal;
  }

  requestLaunches(requests: readonly LaunchRequest[]): Promise<void> {
    return putLaunchRequests(this.client, requests, this.requestDirs);
  }

  takeLaunchRequests(provider: string): Promise<LaunchRequest[]> {
    // Disconnected: the requests stay for a later pass instead of holding this one up.
    if (!this.client.isConnected) return Promise.resolve([]);
    return removeLaunchRequests(this.client, provider);
  }

  pendingLaunchRequests(provider: string): Promise<LaunchRequest[]> {
    return readLaunchRequests(this.client, provider);
  }

  reportLaunchEnds(reports: readonly LaunchReport[]): Promise<void> {
    return putLaunchReports(this.client, reports);
  }

  takeLaunchReports(): Promise<LaunchReport[]> {
    if (!this.client.isConnected) return Promise.resolve([]);
    return removeLaunchReports(this.client);
  }

  list(): Promise<LauncherListEntry[]> {
    return readLauncherList(this.client);
  }

  private onSession(e: ZkSessionEvent): void {
    if (this.state !== 'running') return;
    if (e.kind === 'connected') {
      this.watchdog.alive(Date.now());
      this.kick();
    } else if (e.kind === 'lost' || e.kind === 'closed') {
      this.session.end();
      this.doFence(e.kind === 'lost' ? 'ZooKeeper session lost' : 'ZooKeeper client closed');
      this.claims.forgetSession();
      this.kick();
    }
  }

  /** Stops all cloud work at once: aborts the fence signal, drops leadership and ownership. */
  private doFence(reason: string): void {
    if (this.fenced || this.state !== 'running') return;
    this.fenced = true;
    this.leader = false;
    this.claims.owned.clear();
    this.fence.abort(
      new NodepoolError(`Launcher ${this.self} fenced: ${reason}`, { code: 'ERR_LAUNCHER_FENCED' }),
    );
    this.log.warn({ reason }, 'Fenced: stopping all cloud work');
    try {
      this.hooks?.fenced(reason);
    } catch (err) {
      this.log.error({ err }, 'The fenced hook failed');
    }
  }

  /** Asks for a reconcile pass (coalesced: at most one runs, and one more after it). */
  private kick(): void {
    if (this.state !== 'running') return;
    this.dirty = true;
    this.loop ??= this.runLoop().finally(() => {
      this.loop = null;
    });
  }

  private retryLater(ms = this.retryMs): void {
    if (this.retryTimer !== null || this.state !== 'running') return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, ms);
  }

  private async runLoop(): Promise<void> {
    while (this.dirty && this.state === 'running') {
      this.dirty = false;
      try {
        await this.pass();
      } catch (err) {
        if (this.state !== 'running') break;
        this.log.warn({ err }, 'Cluster pass failed; retrying');
        if (err instanceof NodepoolError && err.code === 'ERR_LAUNCHER_NAME_TAKEN')
          this.doFence(err.message);
        this.retryLater();
      }
    }
  }

  /**
   * The members providers are spread over: those that launch, or every member while none
   * does (a lone `--no-launches` daemon still deletes and runs the crons, as it always did).
   */
  private async ownerCandidates(members: readonly string[]): Promise<string[]> {
    const live = new Set(members);
    const records = (await readMembers(this.client)).filter((m) => live.has(m.name));
    const launching = records.filter((m) => m.launches !== false).map((m) => m.name);
    const read = new Set(records.map((m) => m.name));
    // A member whose record could not be read (it just left) counts as one that launches.
    const unread = members.filter((m) => !read.has(m));
    const out = [...launching, ...unread];
    return out.length > 0 ? out : [...members];
  }

  /** The leader keeps a child watch on the report queue; a new report asks for a pass. */
  private async watchReports(gen: number, hooks: ClusterHooks): Promise<void> {
    const signal = this.session.signal;
    await this.session.watched(
      `reports:${gen}`,
      async (watch) => {
        if (watch === undefined) return;
        await this.client.mkdirp(REPORTS_DIR, { signal });
        const children = await this.client.getChildren(REPORTS_DIR, { watch, signal });
        if (children.length > 0) hooks.changed();
      },
      () => hooks.changed(),
    );
  }

  /** One reconcile pass: register, elect, read members, claim or release, watch requests. */
  private async pass(): Promise<void> {
    const hooks = this.hooks;
    const gen = this.client.generation;
    if (hooks === null || !this.client.isConnected || !this.watchdog.fresh) return;
    const scope = this.session.scope(gen);
    await this.session.register(gen);
    if (this.fenced) {
      this.fenced = false;
      this.fence = new AbortController();
      this.log.info('Rejoined the cluster');
      hooks.changed();
    }
    // A member that does not launch never leads: the leader's allocation is a launch.
    const lead = this.launches ? await this.session.elect(gen) : false;
    if (!scope.current()) return;
    if (lead !== this.leader) {
      this.leader = lead;
      this.log.info({ leader: lead }, lead ? 'Elected leader' : 'No longer leader');
      hooks.changed();
    }
    if (lead) await this.watchReports(gen, hooks);
    const members = await this.session.members(gen, () => hooks.changed());
    if (!scope.current()) return;
    const owners = await this.ownerCandidates(members);
    if (!scope.current()) return;
    const desired = (p: string): string | null =>
      this.providers.includes(p) ? rendezvousOwner(p, owners) : null;
    const outcome = await this.claims.reconcile({
      providers: this.providers,
      desired,
      hooks,
      fence: this.fence.signal,
      stillValid: () => scope.current() && !this.fenced && this.state === 'running',
      onRequests: (p) => {
        if (this.owns(p)) hooks.changed();
      },
    });
    if (outcome === 'again-now') this.kick();
    else if (outcome === 'again-later') this.retryLater();
  }
}
