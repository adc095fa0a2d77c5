/** The seam between `nodepool-builder` and the builder: options in, a Service out. */
import type { Service } from '../util/index.js';
import type { HealthSource } from '../web/index.js';
import { NodePoolBuilder } from './builder.js';
import type { BuilderOptions } from './options.js';

export { checkBuilderConfig } from './config-check.js';
export type { BuilderOptions } from './options.js';

/** nodepool-builder's service and its health checks. */
export interface BuilderService extends Service {
  /** What `nodepool-builder --web-address` answers `/health/live` and `/health/ready` from. */
  healthSource(): HealthSource;
}

/** Builds nodepool-builder's service: build, upload and cleanup workers over one ZK session. */
export function createBuilderService(options: BuilderOptions): BuilderService {
  return new NodePoolBuilder(options);
}
