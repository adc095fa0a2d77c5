/** Public surface of the cluster area: several nodepoold launchers on one ZooKeeper ensemble. */
export type {
  Cluster,
  ClusterHooks,
  LaunchReport,
  LaunchRequest,
  LauncherListEntry,
  LauncherMember,
} from './types.js';
export { defaultLauncherName, soloCluster } from './solo.js';
export type { SoloClusterOptions } from './solo.js';
export { createCluster } from './factory.js';
export type { CreateClusterOptions } from './factory.js';
export { ZkCluster } from './zk-cluster.js';
export type { ZkClusterOptions } from './zk-cluster.js';
export { readLauncherList } from './zk-store.js';
export { rendezvousOwner, rendezvousWeight, rendezvousAssign } from './rendezvous.js';
export { CLUSTER_ROOT } from './znodes.js';
