/** Public surface of the builder (nodepool-builder) area. */
export { createBuilderService, checkBuilderConfig } from './builder-service.js';
export type { BuilderOptions, BuilderService } from './builder-service.js';
export { findCommand } from './health.js';
export type { BuilderIntervals } from './options.js';
export { NodePoolBuilder, DEFAULT_DIB_CMD, DEFAULT_BUILD_LOG_DIR } from './builder.js';
export { dibCommand, runDib, QEMU_IMG_COMPAT_OPTIONS } from './dib-runner.js';
export type { DibCommand, DibCommandInput, DibResult, RunDibOptions } from './dib-runner.js';
export { formatImageName } from './image-name.js';
export type { ImageNameFields } from './image-name.js';
export {
  scanImagesDir,
  findBuildFiles,
  readChecksums,
  removeBuildFiles,
  splitImageFileName,
} from './image-files.js';
export type { DibImageFile, ImageChecksums } from './image-files.js';
export { UploadBackoff } from './upload-backoff.js';
export type { UploadBackoffOptions } from './upload-backoff.js';
