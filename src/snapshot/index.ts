/**
 * Public surface of the snapshot image area: 0.3-era images made by running a `setup`
 * script on a server booted from `base-image` and snapshotting it (upstream 0.3.1).
 */
export { SnapshotImages, snapshotImagesInUse } from './snapshot-images.js';
export type { SnapshotImagesOptions, SnapshotImagesStatus } from './snapshot-images.js';
export { updateSnapshotImage, snapshotImageConfig } from './updater.js';
export type { UpdateSnapshotOptions } from './updater.js';
export { deleteSnapshotImage } from './deleter.js';
export { runSnapshotCleanup, hasSnapshotImages } from './cleanup.js';
export { loginTemplate, FALLBACK_USERS } from './template-login.js';
export { DEFAULT_SNAPSHOT_TIMING } from './types.js';
export type { SnapshotContext, SnapshotTiming } from './types.js';
