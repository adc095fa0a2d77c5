/**
 * The one-member cluster: used when no `zookeeper-servers` are configured. It leads, owns
 * every provider it is given once `hooks.adopt` resolved for it (a rejected adoption is
 * retried at the next `setProviders`), releases the providers taken away, and is never
 * fenced. Launch requests made before an adoption ended are kept for it.
 */
import { hostname } from 'node:os';
import type {
  Cluster,
  ClusterHooks,
  LaunchReport,
  LaunchRequest,
  LauncherListEntry,
} from './types.js';

/** Options of {@link soloCluster}. */
export interface SoloClusterOptions {
  /** @default `${hostname()}-${process.pid}` */
  readonly name?: string;
  /** @default Date.now() at creation */
  readonly sinceMs?: number;
}

/** The default member name: the host name and the pid. */
export function defaultLauncherName(): string {
  return `${hostname()}-${process.pid}`;
}

/** A cluster of one. */
export function soloCluster(options: SoloClusterOptions = {}): Cluster {
  const self = options.name ?? defaultLauncherName();
  const since = Math.floor((options.sinceMs ?? Date.now()) / 1000);
  const fence = new AbortController();
  let providers: readonly string[] = [];
  let hooks: ClusterHooks | null = null;
  const pending: LaunchRequest[] = [];
  // The one member always leads, so nothing is reported in practice; kept for the contract.
  const reports: LaunchReport[] = [];
  /** Providers whose adoption resolved. */
  const adopted = new Set<string>();
  /** Adoptions and releases run one after the other. */
  let syncing: Promise<void> = Promise.resolve();
  const sync = async (): Promise<void> => {
    const h = hooks;
    if (h === null) return;
    for (const p of [...adopted].filter((p) => !providers.includes(p))) {
      adopted.delete(p);
      await h.release(p);
    }
    for (const p of providers.filter((p) => !adopted.has(p))) {
      try {
        await h.adopt(p, fence.signal);
        adopted.add(p);
      } catch {
        // retried at the next setProviders (every config check)
      }
    }
    h.changed();
  };
  return {
    self,
    start(h: ClusterHooks): Promise<void> {
      hooks = h;
      return Promise.resolve();
    },
    async stop(): Promise<void> {
      await syncing;
      const h = hooks;
      hooks = null;
      for (const p of [...adopted]) {
        adopted.delete(p);
        if (h !== null) await h.release(p);
      }
    },
    setProviders(names: readonly string[]): void {
      providers = [...names];
      syncing = syncing.then(sync).catch(() => {});
    },
    isLeader: () => true,
    owns: (provider: string) => adopted.has(provider),
    ownedProviders: () => [...adopted],
    fenceSignal: () => fence.signal,
    requestLaunches(requests: readonly LaunchRequest[]): Promise<void> {
      pending.push(...requests);
      hooks?.changed();
      return Promise.resolve();
    },
    takeLaunchRequests(provider: string): Promise<LaunchRequest[]> {
      const taken = pending.filter((r) => r.provider === provider);
      for (const r of taken) pending.splice(pending.indexOf(r), 1);
      return Promise.resolve(taken);
    },
    pendingLaunchRequests(provider: string): Promise<LaunchRequest[]> {
      return Promise.resolve(pending.filter((r) => r.provider === provider));
    },
    reportLaunchEnds(r: readonly LaunchReport[]): Promise<void> {
      reports.push(...r);
      return Promise.resolve();
    },
    takeLaunchReports(): Promise<LaunchReport[]> {
      return Promise.resolve(reports.splice(0));
    },
    list(): Promise<LauncherListEntry[]> {
      return Promise.resolve([
        {
          name: self,
          host: hostname(),
          pid: process.pid,
          since,
          leader: true,
          providers: [...adopted],
        },
      ]);
    },
  };
}
