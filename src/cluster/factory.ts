/** Picks the cluster form for the launcher runtime. */
import type { Logger } from 'pino';
import type { ZkClient } from '../zk/index.js';
import { soloCluster } from './solo.js';
import type { Cluster } from './types.js';
import { ZkCluster } from './zk-cluster.js';

/** Options of {@link createCluster}. */
export interface CreateClusterOptions {
  /** A started ZooKeeper client (the cluster never stops it); null or absent: a cluster of one. */
  readonly client?: ZkClient | null;
  /** `--launcher-name`. @default `${hostname()}-${process.pid}` */
  readonly name?: string;
  /** @default Date.now() */
  readonly sinceMs?: number;
  /** ZkCluster only: share of the negotiated session timeout before a silent member fences. */
  readonly fenceFraction?: number;
  /** ZkCluster only: false for `--no-launches` (see {@link ZkClusterOptions.launches}). */
  readonly launches?: boolean;
  readonly log?: Logger;
}

/** A {@link ZkCluster} when a ZooKeeper client is given, else {@link soloCluster}. */
export function createCluster(options: CreateClusterOptions = {}): Cluster {
  const { client, name, sinceMs, fenceFraction, launches, log } = options;
  if (client === undefined || client === null) return soloCluster({ name, sinceMs });
  return new ZkCluster({ client, name, sinceMs, fenceFraction, launches, log });
}
