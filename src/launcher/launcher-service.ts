/**
 * The seam between `nodepoold` and the launcher: {@link createLauncherService} builds the
 * pool service from the daemon's options. Everything beyond the command-line flags is
 * optional and meant for the Jenkins/Gearman integrations, tests and benchmarks.
 */
import type { LauncherOptions, LauncherService } from './launcher-options.js';
import { LauncherPool } from './pool.js';

export type { LauncherDiagnostics, LauncherOptions, LauncherService } from './launcher-options.js';

/** Builds nodepoold's service. */
export function createLauncherService(options: LauncherOptions): LauncherService {
  return new LauncherPool(options);
}
