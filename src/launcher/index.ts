/**
 * Public surface of the launcher (nodepoold) area.
 */

// Pure core: demand (docs/behaviour.md#demand) and allocation (docs/behaviour.md#allocation).
export * from './allocation/index.js';

// The service nodepoold runs.
export { createLauncherService } from './launcher-service.js';
export type { LauncherDiagnostics, LauncherOptions, LauncherService } from './launcher-service.js';
export type { DemandSource, GearmanHooks, JenkinsHooks, ReadyNodeInfo, SshSeam } from './hooks.js';
export type { IntegrationHost, LauncherIntegration } from './integration.js';
export { DEFAULT_TIMING } from './context.js';
export type { LauncherContext, LauncherTiming } from './context.js';
export { deleteNodeInForeground } from './delete-now.js';
export type { DeleteNowOptions } from './delete-now.js';
export { computeGauges } from './gauges.js';
export { formatTemplate, nodenameOf } from './names.js';
export { launchError, deleteError } from './errors.js';
export { deleteMarkedNodes } from './delete-marked.js';
export type { DeleteMarkedOptions } from './delete-marked.js';
