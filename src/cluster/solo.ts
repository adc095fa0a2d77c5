/**
 * The one-member cluster: used when no `zookeeper-servers` are configured. It leads, owns
 * every provider it is given, is never fenced, and starts launches locally (it never holds
 * launch requests).
 */
import { hostname } from 'node:os';
import type { Cluster, ClusterHooks, LaunchRequest, LauncherListEntry } from './types.js';

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
  return {
    self,
    start(h: ClusterHooks): Promise<void> {
      hooks = h;
      return Promise.resolve();
    },
    async stop(): Promise<void> {
      const h = hooks;
      hooks = null;
      if (h !== null) for (const p of providers) await h.release(p);
    },
    setProviders(names: readonly string[]): void {
      providers = [...names];
      hooks?.changed();
    },
    isLeader: () => true,
    owns: (provider: string) => providers.includes(provider),
    ownedProviders: () => providers,
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
    list(): Promise<LauncherListEntry[]> {
      return Promise.resolve([
        { name: self, host: hostname(), pid: process.pid, since, leader: true, providers },
      ]);
    },
  };
}
