/** Public surface of the cluster area: several nodepoold launchers on one ZooKeeper ensemble. */
export type {
  Cluster,
  ClusterHooks,
  LaunchRequest,
  LauncherListEntry,
  LauncherMember,
} from './types.js';
export { defaultLauncherName, soloCluster } from './solo.js';
export type { SoloClusterOptions } from './solo.js';
