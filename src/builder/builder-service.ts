/** The seam between `nodepool-builder` and the builder: options in, a Service out. */
import type { Service } from '../util/index.js';
import { NodePoolBuilder } from './builder.js';
import type { BuilderOptions } from './options.js';

export { checkBuilderConfig } from './config-check.js';
export type { BuilderOptions } from './options.js';

/** Builds nodepool-builder's service: build, upload and cleanup workers over one ZK session. */
export function createBuilderService(options: BuilderOptions): Service {
  return new NodePoolBuilder(options);
}
