/**
 * Applying configuration (docs/behaviour.md#applying-a-new-configuration) by value: the database is reopened only when `dburi`
 * changes, ZooKeeper only when its server list changes, and providers go through
 * `ProviderSet.reconfigure` (unchanged providers keep their queues and caches). The new
 * config replaces the old one only after every step succeeded. A file that fails to load
 * is logged with its located problems and the last good config stays in force.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { createCluster } from '../cluster/index.js';
import type { Cluster, ClusterHooks } from '../cluster/index.js';
import { ConfigError, formatProblem, loadConfig } from '../config/index.js';
import type { CompiledConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import type { Database } from '../db/index.js';
import { describeError } from '../errors.js';
import { ProviderSet } from '../provider/index.js';
import type { DriverRegistry, ProviderDeps } from '../provider/index.js';
import { ZkClient, watchLaunchEvents } from '../zk/index.js';
import { ImageCache } from './image-cache.js';

/** Options of {@link LauncherRuntime}. */
export interface RuntimeOptions {
  configPath: string;
  securePath: string;
  log: Logger;
  providerDeps: ProviderDeps;
  /** @default the built-in drivers */
  drivers?: DriverRegistry;
  /** Upper bound of the database pool. @default 10 */
  dbPoolMax?: number;
  /** A new image upload, a config file change or a poke from another process: run a pass. */
  onChange: () => void;
  /** This launcher's cluster member name. @default `host-pid` */
  launcherName?: string;
  /** `--no-launches`: the member neither leads nor owns while a member that launches is live. */
  noLaunches?: boolean;
  /** What the cluster calls back (the launcher's `ClusterMember`). */
  clusterHooks: ClusterHooks;
  /** How the cluster is built from the ZooKeeper client. @default {@link defaultClusterFactory} */
  createCluster?: ClusterFactory;
}

/** Builds this launcher's cluster: ZooKeeper's when configured, else a cluster of one. */
export type ClusterFactory = (
  zk: ZkClient | null,
  options: { name?: string; log?: Logger; launches?: boolean },
) => Cluster;

/** The shipped factory: ZooKeeper's cluster when a client is given, else a cluster of one. */
export const defaultClusterFactory: ClusterFactory = (zk, options) =>
  createCluster({ client: zk, ...options });

/** True for the error a duplicate `--launcher-name` makes `Cluster.start` reject with. */
export function isNameTaken(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_LAUNCHER_NAME_TAKEN';
}

/** The configuration in force and the long-lived clients built from it. */
export class LauncherRuntime {
  config: CompiledConfig | null = null;
  db: Database | null = null;
  images: ImageCache | null = null;
  readonly providers: ProviderSet;
  private zk: ZkClient | null = null;
  private zkKey: string | null = null;
  /** The cluster in force (built with ZooKeeper, or a cluster of one without it). */
  cluster: Cluster | null = null;
  /** Stops the watch of the launcher events znode (issue #15); set while `zk` is. */
  private stopEvents: (() => void) | null = null;
  private lastProblem: string | null = null;
  /** The config warnings last logged, one per line. */
  private warningsKey = '';
  private watcher: FSWatcher | null = null;
  /** Set by the file watcher; the next pass reloads. */
  isDirty = true;
  loads = 0;
  lastLoadAt = 0;

  constructor(private readonly options: RuntimeOptions) {
    this.providers = new ProviderSet(
      options.providerDeps,
      options.drivers ? { registry: options.drivers } : {},
    );
  }

  /** Watches the directories of nodepool.yaml and secure.conf (editors replace files). */
  watchFiles(): void {
    const { configPath, securePath } = this.options;
    const names = new Set([basename(configPath), basename(securePath)]);
    const dirs = new Set([dirname(configPath), dirname(securePath)]);
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          if (file === null || names.has(String(file))) {
            this.isDirty = true;
            this.options.onChange();
          }
        });
        w.on('error', (err) =>
          this.options.log.warn({ err }, 'Cannot watch %s: relying on the periodic reload', dir),
        );
        // One watcher per directory; keep the first for close() and chain the others.
        const prev = this.watcher;
        this.watcher =
          prev === null
            ? w
            : ({
                close: () => {
                  prev.close();
                  w.close();
                },
              } as FSWatcher);
      } catch (err) {
        this.options.log.warn({ err }, 'Cannot watch %s: relying on the periodic reload', dir);
      }
    }
  }

  /** Loads the files and applies them; false (logged) when they fail and the old config stays. */
  async reload(signal?: AbortSignal): Promise<boolean> {
    const { log, configPath, securePath } = this.options;
    this.isDirty = false;
    let next: CompiledConfig;
    try {
      next = await loadConfig(configPath, { securePath, ...(signal ? { signal } : {}) });
    } catch (err) {
      this.problem(err, `Cannot load config ${configPath}: keeping the previous one`);
      return false;
    }
    try {
      await this.apply(next);
    } catch (err) {
      // A duplicate launcher name is fatal at start: the caller exits with it.
      if (isNameTaken(err)) throw err;
      this.problem(err, `Cannot apply config ${configPath}: keeping the previous one`);
      return false;
    }
    this.loads++;
    this.lastLoadAt = Date.now();
    if (this.lastProblem !== null || this.loads === 1) log.info('Loaded config %s', configPath);
    this.lastProblem = null;
    return true;
  }

  private problem(err: unknown, message: string): void {
    const { log } = this.options;
    const text = describeError(err);
    // Compat: upstream logs a failed reload on every pass; repeats go to debug here.
    if (text === this.lastProblem) {
      log.debug('%s: %s', message, text);
      return;
    }
    this.lastProblem = text;
    if (err instanceof ConfigError) {
      log.error(
        { problems: err.problems.map(formatProblem) },
        '%s: %d problem(s)',
        message,
        err.problems.length,
      );
      for (const p of err.problems) log.error('  %s', formatProblem(p));
    } else {
      log.error({ err }, message);
    }
  }

  /** Applies a loaded config; the running one is replaced only when every step succeeded. */
  async apply(next: CompiledConfig): Promise<void> {
    const { log } = this.options;
    if (next.dburi === undefined || next.dburi === '') {
      throw new ConfigError(this.options.securePath, [
        {
          file: this.options.securePath,
          path: ['database', 'dburi'],
          message: 'is required by nodepoold',
        },
      ]);
    }
    if (this.db === null || this.config?.dburi !== next.dburi) {
      const db = await openDatabase(next.dburi, { log, poolMax: this.options.dbPoolMax ?? 10 });
      const old = this.db;
      this.db = db;
      if (old !== null) await old.close();
    }
    const zkKey = JSON.stringify(next.zookeeperServers);
    if (zkKey !== this.zkKey) {
      const old = this.zk;
      const oldImages = this.images;
      // The old cluster releases its providers before its ZooKeeper client goes.
      const oldCluster = this.cluster;
      this.cluster = null;
      await oldCluster?.stop();
      if (next.zookeeperServers.length === 0) {
        if (next.providers.some((p) => p.images.some((i) => i.baseImage !== undefined))) {
          log.warn(
            'No zookeeper-servers configured: only snapshot images (base-image) can be used',
          );
        } else {
          log.error(
            'No zookeeper-servers configured: no images can be found, so no nodes can be launched',
          );
        }
        this.stopEvents?.();
        this.stopEvents = null;
        this.zk = null;
        this.images = null;
      } else {
        const zk = new ZkClient({ servers: next.zookeeperServers, log });
        await zk.start();
        this.zk = zk;
        this.stopEvents?.();
        // A poke (the CLI or another launcher changed node state) runs a pass at once.
        this.stopEvents = watchLaunchEvents(zk, () => this.options.onChange(), { log });
        this.images = new ImageCache(zk, { onChange: this.options.onChange, log });
      }
      this.zkKey = zkKey;
      oldImages?.close();
      await old?.stop();
      const { launcherName } = this.options;
      const cluster = (this.options.createCluster ?? defaultClusterFactory)(this.zk, {
        log,
        ...(launcherName !== undefined ? { name: launcherName } : {}),
        ...(this.options.noLaunches === true ? { launches: false } : {}),
      });
      try {
        await cluster.start(this.options.clusterHooks);
      } catch (err) {
        this.zkKey = null; // the next apply builds the cluster again
        throw err;
      }
      this.cluster = cluster;
    }
    const result = await this.providers.reconfigure(next.providers);
    if (result.started.length + result.stopped.length > 0) {
      log.info(
        { ...result },
        'Providers reconfigured: started %s; stopped %s',
        result.started.join(', ') || 'none',
        result.stopped.join(', ') || 'none',
      );
    }
    // A config warning is logged when the config is loaded or its warnings change, not at
    // every reload check.
    const warnings = next.warnings.map((w) => formatProblem(w));
    const key = warnings.join('\n');
    if (key !== this.warningsKey) for (const w of warnings) log.warn('%s', w);
    else if (warnings.length > 0)
      log.debug('Config %s: %d warning(s), unchanged', this.options.configPath, warnings.length);
    this.warningsKey = key;
    this.config = next;
    // After the config is in force: adoptions read it.
    this.cluster?.setProviders(next.providers.map((p) => p.name));
  }

  /** Closes everything (each step on its own). */
  async close(): Promise<void> {
    const steps: Array<() => Promise<void> | void> = [
      () => this.watcher?.close(),
      () => this.images?.close(),
      // Before ZooKeeper: releasing the providers deletes this member's claims.
      () => this.cluster?.stop(),
      () => this.stopEvents?.(),
      () => this.providers.stop(),
      () => this.zk?.stop(),
      () => this.db?.close(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.options.log.warn({ err }, 'Cannot close a launcher resource cleanly');
      }
    }
  }
}
