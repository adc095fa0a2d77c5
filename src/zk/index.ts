/** Public surface of the ZooKeeper area: client, Kazoo-compatible lock, paths, image records. */
export { ZkClient } from './client.js';
export type { ZkClientOptions, ZkConnectionState, ZkSessionEvent } from './client.js';
export type {
  ZkCallOptions,
  ZkCreateMode,
  ZkCreateOptions,
  ZkDeleteOptions,
  ZkMultiOp,
  ZkStat,
  ZkVersionOptions,
  ZkWatchEvent,
  ZkWatchOptions,
  ZkWatcher,
} from './operations.js';
export { buildConnectTarget, validatePath } from './connect-string.js';
export type { ZkConnectTarget } from './connect-string.js';
export * from './errors.js';
export { ZkLock, withLock, LOCK_NODE_MARKER } from './lock.js';
export type { LockAcquireOptions } from './lock.js';
export * from './paths.js';
export {
  BUILD_STATES,
  UPLOAD_STATES,
  buildWithState,
  decodeBuild,
  decodeUpload,
  encodeBuild,
  encodeUpload,
  nowSeconds,
  uploadWithState,
} from './records.js';
export type {
  BuildState,
  ImageBuild,
  ImageBuildData,
  ImageUpload,
  ImageUploadData,
  UploadState,
} from './records.js';
export { ImageBuilds } from './image-builds.js';
export type { RecentOptions, StoreOptions } from './image-builds.js';
export {
  LAUNCHER_EVENTS_PATH,
  parseLaunchEvent,
  pokeLaunchers,
  watchLaunchEvents,
} from './launcher-events.js';
export type {
  LaunchEvent,
  LaunchEventsClient,
  WatchLaunchEventsOptions,
} from './launcher-events.js';
